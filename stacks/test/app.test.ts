import { mkdtemp, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  RATE_LIMIT_TABLE_KEY,
  RATE_LIMIT_TTL_ATTRIBUTE,
} from "../../packages/core/src/dynamo/tables";
import { STAGE_THROTTLE } from "../Api";
import { MAX_RECEIVE_COUNT } from "../Lifecycle";
import { DASHBOARD_PATH, hasDashboard } from "../Web";
import {
  actionsOf,
  FAKE_SECRETS,
  functionOf,
  statementsOf,
  synthesize,
  type Synthesized,
} from "./synth";

const VM_API = "packages/functions/src/vm-api.handler";
const VM_REPORTER = "packages/functions/src/vm-reporter.handler";
const DASHBOARD = "packages/functions/src/dashboard.handler";
const CONSUMER = "packages/functions/src/lifecycle/consumer.handler";
const RECONCILER = "packages/functions/src/lifecycle/reconciler.handler";

let app: Synthesized;
let prod: Synthesized;

// Operator settings from the deploy shell, copied into the functions.
const OPERATOR_SETTINGS = {
  PUBLIC_API_URL: "https://api.synthcore.example",
  AZURE_VM_SSH_PUBLIC_KEY: "ssh-ed25519 AAAAC3Nza-test ops@synthcore",
  RETENTION_COMMANDS_DAYS: "45",
  VM_REPORTER_RATE_LIMIT: "300",
  REPORTER_ASYNC_COMMIT: "false",
};

beforeAll(async () => {
  Object.assign(process.env, OPERATOR_SETTINGS);
  app = await synthesize("test");
  prod = await synthesize("prod");
});

describe("Data stack", () => {
  it("defines the rate-limit table", () => {
    app.data.resourceCountIs("AWS::DynamoDB::Table", 1);
    app.data.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [{ AttributeName: RATE_LIMIT_TABLE_KEY, KeyType: "HASH" }],
      AttributeDefinitions: [
        { AttributeName: RATE_LIMIT_TABLE_KEY, AttributeType: "S" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      TimeToLiveSpecification: {
        AttributeName: RATE_LIMIT_TTL_ATTRIBUTE,
        Enabled: true,
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it("retains the table only in prod", () => {
    prod.data.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
    });
    app.data.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Delete",
    });
  });
});

describe("Api stack", () => {
  it("routes any vm-api method", () => {
    const routes = Object.values(
      app.api.findResources("AWS::ApiGatewayV2::Route"),
    ).map((route) => route.Properties.RouteKey);
    expect(routes.sort()).toEqual([
      "ANY /functions/v1/dashboard",
      "ANY /functions/v1/vm-api",
      "ANY /functions/v1/vm-reporter/{route+}",
    ]);
    app.api.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
    });
  });

  it("disables CORS, throttles the stage", () => {
    app.api.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      ProtocolType: "HTTP",
      CorsConfiguration: Match.absent(),
    });
    app.api.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: {
        ThrottlingRateLimit: STAGE_THROTTLE.rate,
        ThrottlingBurstLimit: STAGE_THROTTLE.burst,
      },
    });
  });
});

describe("functions", () => {
  it.each([
    ["vm-api", VM_API, 15],
    ["dashboard", DASHBOARD, 15],
    ["consumer", CONSUMER, 60],
    ["reconciler", RECONCILER, 50],
  ])("%s: nodejs22.x, arm64, 512 MB", (_, handler, timeout) => {
    const template = [VM_API, DASHBOARD].includes(handler)
      ? app.api
      : app.lifecycle;
    const [, fn] = functionOf(template, handler);

    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      MemorySize: 512,
      Timeout: timeout,
    });
    expect(fn.Properties.TracingConfig).toBeUndefined();
  });

  it("passes vm-api its table and queue", () => {
    const [, fn] = functionOf(app.api, VM_API);
    const env = fn.Properties.Environment.Variables;

    expect(JSON.stringify(env.RATE_LIMIT_TABLE)).toContain("RateLimits");
    expect(JSON.stringify(env.LIFECYCLE_QUEUE_URL)).toContain("LifecycleJobs");
  });

  it("passes operator settings to lifecycle functions", () => {
    for (const handler of [CONSUMER, RECONCILER]) {
      const [, fn] = functionOf(app.lifecycle, handler);
      const variables = fn.Properties.Environment.Variables;
      expect(variables.PUBLIC_API_URL).toBe(OPERATOR_SETTINGS.PUBLIC_API_URL);
      expect(variables.AZURE_VM_SSH_PUBLIC_KEY).toBe(
        OPERATOR_SETTINGS.AZURE_VM_SSH_PUBLIC_KEY,
      );
    }
  });

  it("passes retention settings to the reconciler only", () => {
    const reconciler = functionOf(app.lifecycle, RECONCILER)[1];
    const consumer = functionOf(app.lifecycle, CONSUMER)[1];

    expect(
      reconciler.Properties.Environment.Variables.RETENTION_COMMANDS_DAYS,
    ).toBe("45");
    expect(
      consumer.Properties.Environment.Variables.RETENTION_COMMANDS_DAYS,
    ).toBeUndefined();
  });

  it("passes vm-reporter its rate limit and commit setting", () => {
    const [, fn] = functionOf(app.api, VM_REPORTER);
    const variables = fn.Properties.Environment.Variables;

    expect(variables.VM_REPORTER_RATE_LIMIT).toBe("300");
    expect(variables.REPORTER_ASYNC_COMMIT).toBe("false");
  });

  it("runs lifecycle functions against Azure", () => {
    for (const handler of [CONSUMER, RECONCILER]) {
      const [, fn] = functionOf(app.lifecycle, handler);
      expect(fn.Properties.Environment.Variables.COMPUTE_PROVIDER).toBe(
        "azure",
      );
    }
  });
});

describe("Lifecycle stack", () => {
  it("redrives failing jobs to the DLQ", () => {
    const queues = app.lifecycle.findResources("AWS::SQS::Queue");
    const [deadLetterId] = Object.entries(queues).find(
      ([, queue]) => queue.Properties.RedrivePolicy === undefined,
    )!;

    expect(Object.keys(queues)).toHaveLength(2);
    app.lifecycle.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 360,
      RedrivePolicy: {
        deadLetterTargetArn: { "Fn::GetAtt": [deadLetterId, "Arn"] },
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    });
    expect(queues[deadLetterId]!.Properties.MessageRetentionPeriod).toBe(
      14 * 24 * 3600,
    );
  });

  it("consumer reports batch item failures", () => {
    const [consumerId] = functionOf(app.lifecycle, CONSUMER);

    app.lifecycle.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: consumerId },
      BatchSize: 5,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("runs the reconciler every minute", () => {
    const [reconcilerId] = functionOf(app.lifecycle, RECONCILER);

    app.lifecycle.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [reconcilerId, "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
  });
});

describe("IAM", () => {
  it("limits vm-reporter to the database secret", () => {
    const summary = statementsOf(app.api, VM_REPORTER).map((statement) => [
      actionsOf(statement),
      JSON.stringify(statement.Resource),
    ]);

    expect(summary).toHaveLength(1);
    const [actions, resource] = summary[0]!;
    expect(actions).toEqual(["ssm:GetParameters"]);
    expect(resource).toContain("/Secret/DATABASE_URL/value");
  });

  it("passes vm-reporter no table or queue", () => {
    const [, fn] = functionOf(app.api, VM_REPORTER);
    const env = fn.Properties.Environment.Variables;

    expect(env.RATE_LIMIT_TABLE).toBeUndefined();
    expect(env.COMMANDS_TABLE).toBeUndefined();
    expect(env.LIFECYCLE_QUEUE_URL).toBeUndefined();
  });

  it("limits vm-api to table, queue, secrets", () => {
    const statements = statementsOf(app.api, VM_API);
    const summary = statements.map((statement) => [
      actionsOf(statement),
      JSON.stringify(statement.Resource),
    ]);

    expect(summary).toHaveLength(4);
    expect(summary).toContainEqual([
      ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      expect.stringMatching(/RateLimitsTable\w+Arn/),
    ]);
    expect(summary).toContainEqual([
      ["sqs:SendMessage"],
      expect.stringMatching(/LifecycleJobsQueue\w+Arn/),
    ]);
    const ssm = summary.filter(([actions]) =>
      actions!.includes("ssm:GetParameters"),
    );
    expect(ssm.map(([, resource]) => resource)).toEqual([
      expect.stringContaining("/Secret/DATABASE_URL/value"),
      expect.stringContaining("/Secret/SUPABASE_URL/value"),
    ]);
  });

  it("limits the dashboard to reads: its bucket and two secrets", () => {
    const summary = statementsOf(app.api, DASHBOARD).map((statement) => [
      actionsOf(statement),
      JSON.stringify(statement.Resource),
    ]);

    expect(summary).toHaveLength(3);
    expect(summary).toContainEqual([
      ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      expect.stringMatching(/RateLimitsTable\w+Arn/),
    ]);
    const ssm = summary.filter(([actions]) =>
      actions!.includes("ssm:GetParameters"),
    );
    expect(ssm.map(([, resource]) => resource)).toEqual([
      expect.stringContaining("/Secret/DATABASE_URL/value"),
      expect.stringContaining("/Secret/SUPABASE_URL/value"),
    ]);
    const env = functionOf(app.api, DASHBOARD)[1].Properties.Environment
      .Variables;
    expect(env.COMMANDS_TABLE).toBeUndefined();
    expect(env.LIFECYCLE_QUEUE_URL).toBeUndefined();
  });

  it("consumer receives but cannot send", () => {
    const actions = statementsOf(app.lifecycle, CONSUMER).flatMap(actionsOf);

    expect(actions).toContain("sqs:DeleteMessage");
    expect(actions).not.toContain("sqs:SendMessage");
    expect(actions.filter((action) => action.startsWith("dynamodb:"))).toEqual(
      [],
    );
  });

  it("reconciler can send jobs", () => {
    const statements = statementsOf(app.lifecycle, RECONCILER);
    const send = statements.filter((statement) =>
      actionsOf(statement).includes("sqs:SendMessage"),
    );

    expect(send).toHaveLength(1);
    expect(send[0]!.Resource).toEqual({
      "Fn::GetAtt": [expect.stringMatching(/^LifecycleJobsQueue/), "Arn"],
    });
  });

  it("grants no wildcard actions or resources", () => {
    for (const template of [app.data, app.api, app.lifecycle]) {
      const statements = Object.values(
        template.findResources("AWS::IAM::Policy"),
      ).flatMap((policy) => policy.Properties.PolicyDocument.Statement);

      for (const statement of statements) {
        expect(actionsOf(statement).filter((a) => a.includes("*"))).toEqual([]);
        expect([statement.Resource].flat()).not.toContain("*");
      }
    }
  });
});

describe("secrets", () => {
  it("keeps secret values out of templates", () => {
    for (const synthesized of [app, prod]) {
      for (const value of Object.values(FAKE_SECRETS)) {
        expect(synthesized.json).not.toContain(value);
      }
    }
  });

  it("binds secrets through SSM", () => {
    const bound = (handler: string) => {
      const template = handler === VM_API ? app.api : app.lifecycle;
      const [, fn] = functionOf(template, handler);
      const env: Record<string, unknown> = fn.Properties.Environment.Variables;
      for (const name of Object.keys(FAKE_SECRETS)) {
        expect(env[name]).toBeUndefined();
      }
      return Object.entries(env)
        .filter(([key]) => key.startsWith("SST_Secret_value_"))
        .map(([key, value]) => `${key}=${value}`);
    };

    expect(bound(VM_API)).toEqual([
      "SST_Secret_value_DATABASE_URL=__FETCH_FROM_SSM__",
      "SST_Secret_value_SUPABASE_URL=__FETCH_FROM_SSM__",
    ]);
    for (const handler of [CONSUMER, RECONCILER]) {
      expect(bound(handler).sort()).toEqual(
        [
          "AZURE_CLIENT_ID",
          "AZURE_CLIENT_SECRET",
          "AZURE_SUBSCRIPTION_ID",
          "AZURE_TENANT_ID",
          "DATABASE_URL",
        ].map((name) => `SST_Secret_value_${name}=__FETCH_FROM_SSM__`),
      );
    }
  });
});

describe("Web stack", () => {
  it("exists only with packages/web/package.json", () => {
    const expected = ["Data", "Lifecycle", "Api"];
    if (hasDashboard()) expected.push("Web");

    expect(app.stackNames).toEqual(
      expected.map((id) => `test-synthcore-${id}`),
    );
  });

  it.runIf(hasDashboard())("builds the dashboard against the API", () => {
    // SST builds with a placeholder and writes the API's URL at deploy.
    const uploads = JSON.stringify(
      app.web!.findResources("Custom::S3Uploader"),
    );
    expect(uploads).toContain("{{ VITE_API_URL }}");
  });

  it("hasDashboard checks the given root", async () => {
    const root = await mkdtemp(join(tmpdir(), "synthcore-web-"));
    expect(hasDashboard(root)).toBe(false);

    await mkdir(join(root, DASHBOARD_PATH), { recursive: true });
    await writeFile(join(root, DASHBOARD_PATH, "package.json"), "{}");
    expect(hasDashboard(root)).toBe(true);
  });
});
