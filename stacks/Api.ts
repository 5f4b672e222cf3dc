import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Api as HttpApi, Config, use, type StackContext } from "sst/constructs";
import { gatewayBundling } from "./bundling";
import { Data } from "./Data";
import { Lifecycle } from "./Lifecycle";
import { LAMBDA_POOL_MAX, operatorSettings } from "./settings";

/**
 * Stage-wide backstop in front of the per-user and per-project token
 * buckets: it caps what a runaway client can cost in Lambda concurrency.
 */
export const STAGE_THROTTLE = { rate: 200, burst: 400 };

export function Api({ stack }: StackContext) {
  const { databaseUrl, rateLimits } = use(Data);
  const { jobs } = use(Lifecycle);
  const supabaseUrl = new Config.Secret(stack, "SUPABASE_URL");

  const api = new HttpApi(stack, "Api", {
    // The handlers respond to CORS preflights from CORS_ALLOWED_ORIGINS, as
    // in the local stack. API Gateway CORS would respond before them.
    cors: false,
    defaults: { throttle: STAGE_THROTTLE },
    routes: {
      "ANY /functions/v1/vm-api": {
        function: {
          handler: "packages/functions/src/vm-api.handler",
          nodejs: gatewayBundling,
          bind: [databaseUrl, supabaseUrl],
          environment: {
            DATABASE_POOL_MAX: LAMBDA_POOL_MAX,
            RATE_LIMIT_TABLE: rateLimits.tableName,
            LIFECYCLE_QUEUE_URL: jobs.queueUrl,
            ...operatorSettings([
              "LOG_LEVEL",
              "CORS_ALLOWED_ORIGINS",
              "VM_API_RATE_LIMIT",
              "SUPABASE_JWKS_URL",
              "REPORTER_INTERVAL_SECONDS",
              "COMMAND_DELIVERY_DEADLINE_SECONDS",
            ]),
          },
          permissions: [
            new PolicyStatement({
              actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
              resources: [rateLimits.tableArn],
            }),
            new PolicyStatement({
              actions: ["sqs:SendMessage"],
              resources: [jobs.queueArn],
            }),
          ],
        },
      },
      // Reads only: the database and its own rate-limit bucket.
      "ANY /functions/v1/dashboard": {
        function: {
          handler: "packages/functions/src/dashboard.handler",
          nodejs: gatewayBundling,
          bind: [databaseUrl, supabaseUrl],
          environment: {
            DATABASE_POOL_MAX: LAMBDA_POOL_MAX,
            RATE_LIMIT_TABLE: rateLimits.tableName,
            ...operatorSettings([
              "LOG_LEVEL",
              "CORS_ALLOWED_ORIGINS",
              "DASHBOARD_RATE_LIMIT",
              "SUPABASE_JWKS_URL",
              "REPORTER_INTERVAL_SECONDS",
            ]),
          },
          permissions: [
            new PolicyStatement({
              actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
              resources: [rateLimits.tableArn],
            }),
          ],
        },
      },
      "ANY /functions/v1/vm-reporter/{route+}": {
        function: {
          handler: "packages/functions/src/vm-reporter.handler",
          nodejs: gatewayBundling,
          bind: [databaseUrl],
          // Postgres only: its rate limit and the command queue are there.
          environment: {
            DATABASE_POOL_MAX: LAMBDA_POOL_MAX,
            ...operatorSettings([
              "LOG_LEVEL",
              "CORS_ALLOWED_ORIGINS",
              "VM_REPORTER_RATE_LIMIT",
              "REPORTER_INTERVAL_SECONDS",
              "DATABASE_PREPARED_STATEMENTS",
              "REPORTER_ASYNC_COMMIT",
              "COMMAND_VISIBILITY_TIMEOUT_SECONDS",
            ]),
          },
        },
      },
    },
  });

  stack.addOutputs({ ApiUrl: api.url });
  return { api };
}
