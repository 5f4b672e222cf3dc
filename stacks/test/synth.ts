import { Template } from "aws-cdk-lib/assertions";
import { Stack } from "aws-cdk-lib/core";
import { App, getStack } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import config from "../../sst.config";
import { Api } from "../Api";
import { Data } from "../Data";
import { Lifecycle } from "../Lifecycle";
import { hasDashboard, Web } from "../Web";

/**
 * Secret-looking values placed in the environment during synthesis. None
 * may reach a template: secrets are read from SSM at run time.
 */
export const FAKE_SECRETS = {
  DATABASE_URL:
    "postgres://synthcore:db-pass-5d0c8e1f@db.example.invalid:6543/postgres",
  SUPABASE_URL: "https://fake-ref-7c1e9a.supabase.example.invalid",
  AZURE_SUBSCRIPTION_ID: "0b6f2c1e-5a4d-4c3b-9e8f-7a6b5c4d3e2f",
  AZURE_TENANT_ID: "1c7a3d2f-6b5e-4d4c-8f9a-8b7c6d5e4f3a",
  AZURE_CLIENT_ID: "2d8b4e3a-7c6f-4e5d-9a0b-9c8d7e6f5a4b",
  AZURE_CLIENT_SECRET: "azure-client-secret-Q2l4~fake.value",
};

export interface Synthesized {
  stackNames: string[];
  data: Template;
  api: Template;
  lifecycle: Template;
  /** The dashboard's stack, once packages/web exists. */
  web?: Template;
  /** Every template as one JSON text, for searching. */
  json: string;
}

/**
 * Synthesizes the app offline, bundling each function as `sst deploy`
 * does: NODE_ENV=test keeps SST from looking up AWS credentials and the
 * bootstrap stack, and the explicit stage keeps it from prompting. Call it
 * for one stage at a time: SST keeps the app in module state.
 */
export async function synthesize(stage: string): Promise<Synthesized> {
  if (process.env.NODE_ENV !== "test") {
    throw new Error(
      `NODE_ENV is "${process.env.NODE_ENV}"; offline synthesis needs "test"`,
    );
  }
  Object.assign(process.env, FAKE_SECRETS, {
    // SST runs `npm install` beside each bundle. There is nothing to fetch,
    // so npm must not try.
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  });

  await initProject({ stage });
  const app = new App({
    mode: "deploy",
    stage,
    name: "synthcore",
    region: useProject().config.region,
  });
  await config.stacks(app);
  await app.finish();

  const templates = [Data, Api, Lifecycle].map((fn) =>
    Template.fromStack(getStack(fn)),
  );
  const [data, api, lifecycle] = templates as [Template, Template, Template];
  return {
    stackNames: app.node.children
      .filter((child) => Stack.isStack(child))
      .map((child) => child.node.id),
    data,
    api,
    lifecycle,
    web: hasDashboard() ? Template.fromStack(getStack(Web)) : undefined,
    json: JSON.stringify(templates.map((template) => template.toJSON())),
  };
}

type Resource = { Type: string; Properties: Record<string, any> };

/** The one function whose handler is `handler`. */
export function functionOf(template: Template, handler: string) {
  const found = Object.entries(
    template.findResources("AWS::Lambda::Function", {
      Properties: { Handler: handler },
    }),
  ) as [string, Resource][];
  if (found.length !== 1) {
    throw new Error(`${found.length} functions have handler ${handler}`);
  }
  return found[0]!;
}

export interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
}

/** Every IAM statement attached to the role of `handler`'s function. */
export function statementsOf(template: Template, handler: string) {
  const [, fn] = functionOf(template, handler);
  const roleId: string = fn.Properties.Role["Fn::GetAtt"][0];
  const policies = Object.values(
    template.findResources("AWS::IAM::Policy"),
  ) as Resource[];
  return policies
    .filter((policy) =>
      policy.Properties.Roles.some(
        (role: { Ref?: string }) => role.Ref === roleId,
      ),
    )
    .flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
}

export function actionsOf(statement: Statement): string[] {
  return [statement.Action].flat();
}
