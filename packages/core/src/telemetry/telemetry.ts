import type { HealthReport } from "./schemas";

export type ReportedHealth = "healthy" | "degraded" | "unhealthy";

/**
 * Derives a project's health from a snapshot. An agent in error or a
 * resource nearly exhausted makes it unhealthy. A busy or filling machine,
 * or a stopped agent, makes it degraded.
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

/**
 * Compares two VM times, ISO 8601 with a zone, to the microsecond, as
 * PostgreSQL stores them. Date.parse alone keeps only milliseconds.
 */
export function compareVmTimes(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b) || microsecondsOf(a) - microsecondsOf(b);
}

/** Returns the microseconds past the millisecond in a time's fraction of a second. */
function microsecondsOf(time: string): number {
  const fraction = /\.(\d+)/.exec(time)?.[1] ?? "";
  return Number(fraction.padEnd(6, "0").slice(3, 6));
}

/**
 * The table of one telemetry route. A lone row travels as one parameter
 * per column, several rows as one JSON array that `jsonb_to_recordset`
 * types. Both take their SQL types from `columns`.
 */
export interface TelemetryTable {
  table: string;
  columns: Record<string, string>;
  rows(body: any): object[];
  /** A clause appended to the INSERT, for a table that updates a repeated key. */
  conflict?: string;
  /**
   * The column of the time the VM took a row. Rows sent together are
   * inserted in that order, so the newest gets the highest id.
   */
  takenAt?: string;
}

const HEALTH: TelemetryTable = {
  table: "health_snapshots",
  columns: {
    health_status: "text",
    cpu_percent: "real",
    memory_percent: "real",
    disk_percent: "real",
    load_1m: "real",
    load_5m: "real",
    load_15m: "real",
    uptime_seconds: "bigint",
    agents: "jsonb",
    reported_at: "timestamptz",
  },
  rows: (report: HealthReport) => [
    { ...report, health_status: deriveHealth(report) },
  ],
  // The dashboard reads a project's latest snapshot by id.
  takenAt: "reported_at",
};

const period = { period_start: "timestamptz", period_end: "timestamptz" };

export const TELEMETRY_TABLES = {
  health: HEALTH,
  messages: {
    table: "agent_messages",
    columns: {
      agent: "text",
      role: "text",
      content: "text",
      thread: "text",
      sent_at: "timestamptz",
    },
    rows: (body) => body.messages,
  },
  audit: {
    table: "audit_events",
    columns: {
      agent: "text",
      action: "text",
      target: "text",
      outcome: "text",
      details: "jsonb",
      occurred_at: "timestamptz",
    },
    rows: (body) =>
      body.events.map((event: { details?: object }) => ({
        ...event,
        details: event.details ?? {},
      })),
  },
  conflicts: {
    table: "conflict_reports",
    columns: {
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
    rows: (body) => body.reports,
  },
  "metrics/tasks": {
    table: "task_metrics",
    columns: {
      agent: "text",
      assigned: "integer",
      completed: "integer",
      failed: "integer",
      drifted: "integer",
      ...period,
    },
    rows: (body) => body.metrics,
  },
  "metrics/productivity": {
    table: "productivity_metrics",
    columns: {
      agent: "text",
      commits: "integer",
      lines_added: "integer",
      lines_removed: "integer",
      files_changed: "integer",
      active_seconds: "integer",
      idle_seconds: "integer",
      ...period,
    },
    rows: (body) => body.metrics,
  },
  "metrics/cli-sessions": {
    table: "cli_sessions",
    columns: {
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
    rows: (body) => body.sessions,
    conflict: `ON CONFLICT (project_id, session_id) DO UPDATE SET
       agent = excluded.agent, tool = excluded.tool,
       started_at = excluded.started_at, ended_at = excluded.ended_at,
       exit_code = excluded.exit_code, commands_run = excluded.commands_run,
       input_tokens = excluded.input_tokens,
       output_tokens = excluded.output_tokens, received_at = now()`,
  },
} satisfies Record<string, TelemetryTable>;

export type TelemetryRoute = keyof typeof TELEMETRY_TABLES;

export function isTelemetryRoute(route: string): route is TelemetryRoute {
  return Object.hasOwn(TELEMETRY_TABLES, route);
}

/** ON CONFLICT cannot touch one row twice, so the last report of a session wins. */
export function dedupeSessions<T extends { session_id: string }>(
  sessions: T[],
): T[] {
  return [...new Map(sessions.map((item) => [item.session_id, item])).values()];
}
