import { Duration } from "aws-cdk-lib/core";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import {
  Config,
  Cron,
  Queue,
  use,
  type FunctionProps,
  type StackContext,
} from "sst/constructs";
import { Data } from "./Data";
import { RETENTION_SETTING_NAMES } from "../packages/core/src/telemetry/retention";
import { LAMBDA_POOL_MAX, operatorSettings } from "./settings";

export const AZURE_SECRETS = [
  "AZURE_SUBSCRIPTION_ID",
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
] as const;

const CONSUMER_TIMEOUT_SECONDS = 60;

/** Receives of one job before SQS moves it to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

export function Lifecycle({ stack }: StackContext) {
  const { databaseUrl } = use(Data);
  const azure = AZURE_SECRETS.map((name) => new Config.Secret(stack, name));

  const lifecycleFunction: FunctionProps = {
    bind: [databaseUrl, ...azure],
    memorySize: 512,
    environment: {
      COMPUTE_PROVIDER: "azure",
      DATABASE_POOL_MAX: LAMBDA_POOL_MAX,
      ...operatorSettings([
        "LOG_LEVEL",
        // The VM Reporter URL written into each new VM's custom data. The
        // Api stack depends on this one, so its URL cannot be passed here.
        "PUBLIC_API_URL",
        // New VMs' admin key and image; public values, not secrets.
        "AZURE_VM_SSH_PUBLIC_KEY",
        "AZURE_VM_IMAGE",
        "AZURE_VM_ADMIN_USERNAME",
        "AZURE_RESOURCE_GROUP_PREFIX",
        "LIFECYCLE_PROVISIONING_DEADLINE_MINUTES",
        "LIFECYCLE_STARTING_DEADLINE_MINUTES",
        "LIFECYCLE_STOPPING_DEADLINE_MINUTES",
        "LIFECYCLE_DELETING_DEADLINE_MINUTES",
        "LIFECYCLE_REDRIVE_AFTER_SECONDS",
      ]),
    },
  };

  const deadLetters = new Queue(stack, "LifecycleDeadLetters", {
    cdk: { queue: { retentionPeriod: Duration.days(14) } },
  });

  const jobs = new Queue(stack, "LifecycleJobs", {
    cdk: {
      queue: {
        // AWS advises six times the consumer's timeout, so that a batch
        // still running is not delivered to a second consumer.
        visibilityTimeout: Duration.seconds(6 * CONSUMER_TIMEOUT_SECONDS),
        deadLetterQueue: {
          queue: deadLetters.cdk.queue,
          maxReceiveCount: MAX_RECEIVE_COUNT,
        },
      },
    },
    consumer: {
      function: {
        ...lifecycleFunction,
        handler: "packages/functions/src/lifecycle/consumer.handler",
        timeout: CONSUMER_TIMEOUT_SECONDS,
      },
      cdk: { eventSource: { batchSize: 5, reportBatchItemFailures: true } },
    },
  });

  const sendJobs = new PolicyStatement({
    actions: ["sqs:SendMessage"],
    resources: [jobs.queueArn],
  });

  new Cron(stack, "Reconciler", {
    schedule: "rate(1 minute)",
    job: {
      function: {
        ...lifecycleFunction,
        handler: "packages/functions/src/lifecycle/reconciler.handler",
        timeout: 50,
        // The next run starts within a minute, so a retry would only overlap.
        retryAttempts: 0,
        environment: {
          ...lifecycleFunction.environment,
          LIFECYCLE_QUEUE_URL: jobs.queueUrl,
          // Retention runs after each reconciler pass.
          ...operatorSettings(RETENTION_SETTING_NAMES),
        },
        permissions: [sendJobs],
      },
      cdk: { target: { retryAttempts: 0 } },
    },
  });

  return { jobs };
}
