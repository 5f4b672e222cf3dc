import { getConfig } from "@synthcore/core/config";
import { lifecycleSettingsFromConfig } from "@synthcore/core/lifecycle/settings";
import { SqsJobQueue } from "@synthcore/core/lifecycle/sqs-queue";
import {
  reconcile,
  type ReconcilerDeps,
  type ReconcileSummary,
} from "@synthcore/core/lifecycle/reconciler";
import { logger } from "@synthcore/core/log";
import { reporterCustomData } from "@synthcore/core/reporter/tokens";
import { computeFromConfig } from "../runtime/compute";
import { loadSecrets } from "../runtime/secrets";
import { databaseFromConfig, requireSetting } from "../runtime/services";

let deps: Promise<ReconcilerDeps> | undefined;

async function buildDeps(): Promise<ReconcilerDeps> {
  await loadSecrets();
  const config = getConfig();
  const db = databaseFromConfig(config);
  return {
    db,
    compute: await computeFromConfig(config),
    jobs: new SqsJobQueue(requireSetting(config, "LIFECYCLE_QUEUE_URL")),
    settings: lifecycleSettingsFromConfig(config),
    // Read when a VM request is sent, so a missing URL fails that VM only.
    customData: reporterCustomData(db, () =>
      requireSetting(config, "PUBLIC_API_URL"),
    ),
  };
}

/** Scheduled entry, run every minute. */
export async function handler(): Promise<ReconcileSummary> {
  deps ??= buildDeps();
  const summary = await reconcile(await deps);
  logger.info(summary, "reconcile finished");
  return summary;
}
