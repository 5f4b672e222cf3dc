import { getConfig } from "@synthcore/core/config";
import { lifecycleSettingsFromConfig } from "@synthcore/core/lifecycle/settings";
import { SqsJobQueue } from "@synthcore/core/lifecycle/sqs-queue";
import {
  reconcile,
  type ReconcilerDeps,
  type ReconcileSummary,
} from "@synthcore/core/lifecycle/reconciler";
import { expireOverdueCommands } from "@synthcore/core/commands/commands";
import { logger } from "@synthcore/core/log";
import { reporterCustomData } from "@synthcore/core/reporter/tokens";
import {
  pruneTelemetry,
  retentionSettingsFromEnv,
  type RetentionSettings,
} from "@synthcore/core/telemetry/retention";
import { computeFromConfig } from "../runtime/compute";
import { loadSecrets } from "../runtime/secrets";
import { databaseFromConfig, requireSetting } from "../runtime/services";

let deps: Promise<ReconcilerDeps> | undefined;
let retention: RetentionSettings | undefined;

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

/**
 * Scheduled entry, run every minute: the lifecycle pass, the expiry of
 * overdue commands, then one bounded pass of telemetry retention.
 */
export async function handler(): Promise<ReconcileSummary> {
  deps ??= buildDeps();
  const ready = await deps;
  const summary = await reconcile(ready);
  logger.info(summary, "reconcile finished");
  const expired = await expireOverdueCommands(ready.db, Date.now());
  if (expired > 0) logger.info({ expired }, "overdue commands expired");
  retention ??= retentionSettingsFromEnv();
  const pruned = await pruneTelemetry(ready.db, retention);
  logger.info({ deleted: pruned }, "telemetry retention finished");
  return summary;
}
