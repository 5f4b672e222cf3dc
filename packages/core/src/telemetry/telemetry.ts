import type * as z from "zod";
import type { Queryable } from "../db/pool";
import type {
  AuditReport,
  CliSessionsReport,
  ConflictsReport,
  HealthReport,
  MessagesReport,
  ProductivityMetricsReport,
  TaskMetricsReport,
} from "./schemas";

export type ReportedHealth = "healthy" | "degraded" | "unhealthy";

/**
 * Derives a project's health from a snapshot: an agent in error or a
 * resource nearly exhausted is unhealthy; a busy or filling machine, or a
 * stopped agent, is degraded.
 */
export function deriveHealth(report: HealthReport): ReportedHealth {
  const agents = Object.values(report.agents).map((agent) => agent.status);
  const peak = Math.max(report.memory_percent, report.disk_percent);
  if (agents.includes("error") || peak >= 95) return "unhealthy";
  if (agents.includes("stopped") || peak >= 85 || report.cpu_percent >= 90) {
    return "degraded";
  }
  return "healthy";
}

/** Stores a snapshot and updates the project's health and last report time. */
export async function recordHealth(
  db: Queryable,
  projectId: string,
  report: HealthReport,
): Promise<{ health_status: ReportedHealth; received_at: string }> {
  const health = deriveHealth(report);
  const { rows } = await db.query<{ received_at: Date }>(
    `WITH snapshot AS (
       INSERT INTO health_snapshots (project_id, health_status, cpu_percent,
         memory_percent, disk_percent, load_1m, load_5m, load_15m,
         uptime_seconds, agents, reported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING received_at
     ), project AS (
       UPDATE projects SET health_status = $2, last_report_at = now()
       WHERE id = $1
     )
     SELECT received_at FROM snapshot`,
    [
      projectId,
      health,
      report.cpu_percent,
      report.memory_percent,
      report.disk_percent,
      report.load_1m ?? null,
      report.load_5m ?? null,
      report.load_15m ?? null,
      report.uptime_seconds ?? null,
      JSON.stringify(report.agents),
      report.reported_at,
    ],
  );
  return {
    health_status: health,
    received_at: rows[0]!.received_at.toISOString(),
  };
}

/**
 * Inserts a batch with one statement: the items travel as one JSON array
 * and `jsonb_to_recordset` turns them into rows typed by `columns`.
 */
async function insertBatch(
  db: Queryable,
  table: string,
  projectId: string,
  columns: Record<string, string>,
  items: readonly object[],
  conflict = "",
): Promise<{ accepted: number }> {
  const names = Object.keys(columns);
  const typed = names.map((name) => `${name} ${columns[name]}`).join(", ");
  await db.query(
    `INSERT INTO ${table} (project_id, ${names.join(", ")})
     SELECT $1, ${names.join(", ")} FROM jsonb_to_recordset($2::jsonb) AS item(${typed})
     ${conflict}`,
    [projectId, JSON.stringify(items)],
  );
  return { accepted: items.length };
}

export const recordMessages = (
  db: Queryable,
  projectId: string,
  report: z.infer<typeof MessagesReport>,
) =>
  insertBatch(
    db,
    "agent_messages",
    projectId,
    {
      agent: "text",
      role: "text",
      content: "text",
      thread: "text",
      sent_at: "timestamptz",
    },
    report.messages,
  );

export const recordAudit = (
  db: Queryable,
  projectId: string,
  report: z.infer<typeof AuditReport>,
) =>
  insertBatch(
    db,
    "audit_events",
    projectId,
    {
      agent: "text",
      action: "text",
      target: "text",
      outcome: "text",
      details: "jsonb",
      occurred_at: "timestamptz",
    },
    report.events.map((event) => ({ ...event, details: event.details ?? {} })),
  );

export const recordConflicts = (
  db: Queryable,
  projectId: string,
  report: z.infer<typeof ConflictsReport>,
) =>
  insertBatch(
    db,
    "conflict_reports",
    projectId,
    {
      agent: "text",
      branch: "text",
      conflicts_detected: "integer",
      conflicts_resolved: "integer",
      files: "jsonb",
      syncs_succeeded: "integer",
      syncs_failed: "integer",
      last_sync_at: "timestamptz",
      reported_at: "timestamptz",
    },
    report.reports,
  );

export const recordTaskMetrics = (
  db: Queryable,
  projectId: string,
  report: z.infer<typeof TaskMetricsReport>,
) =>
  insertBatch(
    db,
    "task_metrics",
    projectId,
    {
      agent: "text",
      assigned: "integer",
      completed: "integer",
      failed: "integer",
      drifted: "integer",
      period_start: "timestamptz",
      period_end: "timestamptz",
    },
    report.metrics,
  );

export const recordProductivityMetrics = (
  db: Queryable,
  projectId: string,
  report: z.infer<typeof ProductivityMetricsReport>,
) =>
  insertBatch(
    db,
    "productivity_metrics",
    projectId,
    {
      agent: "text",
      commits: "integer",
      lines_added: "integer",
      lines_removed: "integer",
      files_changed: "integer",
      active_seconds: "integer",
      idle_seconds: "integer",
      period_start: "timestamptz",
      period_end: "timestamptz",
    },
    report.metrics,
  );

/** Inserts sessions; a session reported again replaces its earlier numbers. */
export const recordCliSessions = (
  db: Queryable,
  projectId: string,
  report: z.infer<typeof CliSessionsReport>,
) =>
  insertBatch(
    db,
    "cli_sessions",
    projectId,
    {
      session_id: "text",
      agent: "text",
      tool: "text",
      started_at: "timestamptz",
      ended_at: "timestamptz",
      exit_code: "integer",
      commands_run: "integer",
      input_tokens: "bigint",
      output_tokens: "bigint",
    },
    dedupeSessions(report.sessions),
    `ON CONFLICT (project_id, session_id) DO UPDATE SET
       agent = excluded.agent, tool = excluded.tool,
       started_at = excluded.started_at, ended_at = excluded.ended_at,
       exit_code = excluded.exit_code, commands_run = excluded.commands_run,
       input_tokens = excluded.input_tokens,
       output_tokens = excluded.output_tokens, received_at = now()`,
  );

/** ON CONFLICT cannot touch one row twice, so the last report of a session wins. */
function dedupeSessions<T extends { session_id: string }>(sessions: T[]): T[] {
  return [...new Map(sessions.map((item) => [item.session_id, item])).values()];
}
