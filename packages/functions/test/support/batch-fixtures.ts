import { randomUUID } from "node:crypto";
import type { Database } from "@synthcore/core/db/pool";
import { BATCH_ITEM_ROUTES } from "@synthcore/core/reporter/batch";
import { validBody } from "./reporter-fixtures";

/** The telemetry tables a batch writes to, with the route that fills each. */
export const TELEMETRY_TABLES: Record<string, string> = {
  health: "health_snapshots",
  messages: "agent_messages",
  audit: "audit_events",
  conflicts: "conflict_reports",
  "metrics/tasks": "task_metrics",
  "metrics/productivity": "productivity_metrics",
  "metrics/cli-sessions": "cli_sessions",
  approvals: "approvals",
};

/**
 * Builds a batch with one valid item of every route but command status reports
 * and acknowledgements, which need a command or decision first.
 */
export function fullBatch(extra: Array<{ route: string; body: unknown }> = []) {
  const items = BATCH_ITEM_ROUTES.filter(
    (route) => route !== "commands/status" && route !== "approvals/ack",
  ).map((route): { route: string; body: unknown } => ({
    route,
    body: validBody(route),
  }));
  return { items: [...items, ...extra], max_commands: 5 };
}

/** Rows per telemetry table for the project. */
export async function tableCounts(
  db: Database,
  projectId: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of Object.values(TELEMETRY_TABLES)) {
    const { rows } = await db.query<{ count: number }>(
      `SELECT count(*)::int8 AS count FROM ${table} WHERE project_id = $1`,
      [projectId],
    );
    counts[table] = rows[0]!.count;
  }
  return counts;
}

export const unknownAck = () => ({
  route: "approvals/ack",
  body: { approval_id: randomUUID(), outcome: "proceeded" },
});
