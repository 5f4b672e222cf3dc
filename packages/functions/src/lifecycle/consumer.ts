import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { getConfig } from "@synthcore/core/config";
import { parseJob } from "@synthcore/core/lifecycle/sqs-queue";
import {
  runLifecycleJob,
  type WorkerDeps,
} from "@synthcore/core/lifecycle/worker";
import { logger } from "@synthcore/core/log";
import { computeFromConfig } from "../runtime/compute";
import { loadSecrets } from "../runtime/secrets";
import { databaseFromConfig, requireSetting } from "../runtime/services";

let deps: Promise<WorkerDeps> | undefined;

async function buildDeps(): Promise<WorkerDeps> {
  await loadSecrets();
  const config = getConfig();
  return {
    db: databaseFromConfig(config),
    compute: await computeFromConfig(config),
  };
}

/**
 * SQS entry of the lifecycle queue. A message whose job throws is reported
 * as a batch item failure, so SQS delivers it again and, after the queue's
 * receive limit, moves it to the dead-letter queue.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  deps ??= buildDeps();
  const workerDeps = await deps;
  const failures: SQSBatchResponse["batchItemFailures"] = [];

  for (const record of event.Records) {
    try {
      await runLifecycleJob(workerDeps, parseJob(record.body));
    } catch (error) {
      logger.error(
        { err: error, message_id: record.messageId },
        "lifecycle job failed; SQS will deliver it again",
      );
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
