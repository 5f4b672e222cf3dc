import * as z from "zod";
import { parseEnvironment } from "../config";
import type { Queryable } from "../db/pool";

/** Each table retention prunes, with the indexed time it prunes by. */
export const RETAINED_TABLES = {
  health_snapshots: "received_at",
  agent_messages: "received_at",
  audit_events: "received_at",
  conflict_reports: "received_at",
  task_metrics: "received_at",
  productivity_metrics: "received_at",
  cli_sessions: "received_at",
  vm_reporter_request_log: "created_at",
  commands: "created_at",
} as const;
export type RetainedTable = keyof typeof RETAINED_TABLES;

export interface RetentionSettings {
  days: Record<RetainedTable, number>;
  /** Rows per DELETE, so that no statement holds locks for long. */
  batchSize: number;
  /** DELETEs per table per run; a backlog clears over several runs. */
  maxBatches: number;
}

const days = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

const RetentionEnv = z.object({
  RETENTION_HEALTH_SNAPSHOTS_DAYS: days(7),
  RETENTION_AGENT_MESSAGES_DAYS: days(30),
  RETENTION_AUDIT_EVENTS_DAYS: days(90),
  RETENTION_CONFLICT_REPORTS_DAYS: days(14),
  RETENTION_TASK_METRICS_DAYS: days(30),
  RETENTION_PRODUCTIVITY_METRICS_DAYS: days(30),
  RETENTION_CLI_SESSIONS_DAYS: days(30),
  RETENTION_VM_REPORTER_REQUEST_LOG_DAYS: days(7),
  RETENTION_COMMANDS_DAYS: days(30),
  RETENTION_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(50_000)
    .default(5000),
  RETENTION_MAX_BATCHES: z.coerce.number().int().min(1).max(1000).default(20),
});

/** The variables the retention reads, for passing them to a function. */
export const RETENTION_SETTING_NAMES = Object.keys(RetentionEnv.shape);

/** Reads the retention settings, naming any invalid variable. */
export function retentionSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): RetentionSettings {
  const parsed = parseEnvironment(RetentionEnv, env, "retention settings");
  const tables = Object.keys(RETAINED_TABLES) as RetainedTable[];
  const key = (table: RetainedTable) =>
    `RETENTION_${table.toUpperCase()}_DAYS` as keyof typeof parsed;
  return {
    days: Object.fromEntries(
      tables.map((table) => [table, parsed[key(table)]]),
    ) as Record<RetainedTable, number>,
    batchSize: parsed.RETENTION_BATCH_SIZE,
    maxBatches: parsed.RETENTION_MAX_BATCHES,
  };
}

/**
 * Deletes rows older than each table's retention, oldest first, in DELETEs
 * of at most `batchSize` rows and at most `maxBatches` per table, so one
 * run stays short however large the backlog. Returns rows deleted per table.
 */
export async function pruneTelemetry(
  db: Queryable,
  settings: RetentionSettings,
  now: number = Date.now(),
): Promise<Record<RetainedTable, number>> {
  const deleted = {} as Record<RetainedTable, number>;
  for (const [table, column] of Object.entries(RETAINED_TABLES)) {
    const name = table as RetainedTable;
    const cutoff = new Date(now - settings.days[name] * 86_400_000);
    deleted[name] = 0;
    for (let batch = 0; batch < settings.maxBatches; batch++) {
      const { rowCount } = await db.query(
        `DELETE FROM ${table} WHERE id IN (
           SELECT id FROM ${table} WHERE ${column} < $1
           ORDER BY ${column} LIMIT $2)`,
        [cutoff, settings.batchSize],
      );
      deleted[name] += rowCount ?? 0;
      if ((rowCount ?? 0) < settings.batchSize) break;
    }
  }
  return deleted;
}
