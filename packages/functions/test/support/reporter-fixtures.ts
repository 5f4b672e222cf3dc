import { randomUUID } from "node:crypto";
import type { ReporterRoute } from "@synthcore/core/reporter/routes";
import type { Database } from "@synthcore/core/db/pool";

const at = "2026-04-01T14:30:00Z";

/** Valid bodies for every route that needs no earlier state. */
export function validBody(route: ReporterRoute): Record<string, unknown> {
  switch (route) {
    case "health":
      return {
        reported_at: at,
        cpu_percent: 12.5,
        memory_percent: 40,
        disk_percent: 55,
        load_1m: 0.4,
        agents: { planner: { status: "running", current_task: "T-1" } },
      };
    case "messages":
      return {
        messages: [
          {
            agent: "planner",
            role: "assistant",
            content: "Plan ready",
            sent_at: at,
          },
          { agent: "coder", role: "user", content: "Go", sent_at: at },
        ],
      };
    case "audit":
      return {
        events: [
          {
            agent: "coder",
            action: "git.push",
            target: "main",
            occurred_at: at,
          },
        ],
      };
    case "conflicts":
      return {
        reports: [
          {
            agent: "coder",
            branch: "feature/x",
            conflicts_detected: 2,
            conflicts_resolved: 1,
            files: ["src/a.ts"],
            syncs_succeeded: 5,
            syncs_failed: 1,
            reported_at: at,
          },
        ],
      };
    case "metrics/tasks":
      return {
        metrics: [
          {
            agent: "coder",
            assigned: 4,
            completed: 2,
            failed: 1,
            drifted: 1,
            period_start: "2026-04-01T14:00:00Z",
            period_end: at,
          },
        ],
      };
    case "metrics/productivity":
      return {
        metrics: [
          {
            agent: "coder",
            commits: 3,
            lines_added: 120,
            lines_removed: 30,
            files_changed: 6,
            active_seconds: 1500,
            idle_seconds: 300,
            period_start: "2026-04-01T14:00:00Z",
            period_end: at,
          },
        ],
      };
    case "metrics/cli-sessions":
      return {
        sessions: [
          {
            session_id: "s-1",
            agent: "coder",
            tool: "claude-code",
            started_at: "2026-04-01T14:00:00Z",
            ended_at: at,
            exit_code: 0,
            commands_run: 14,
            input_tokens: 5000,
            output_tokens: 2000,
          },
        ],
      };
    case "commands/poll":
      return { max_commands: 5 };
    case "commands/status":
      return { command_id: randomUUID(), status: "running" };
    case "approvals":
      return {
        approval_id: randomUUID(),
        agent: "coder",
        action: "deploy",
        summary: "Deploy to staging",
      };
    case "approvals/ack":
      return { approval_id: randomUUID(), outcome: "proceeded" };
  }
}

/** A body with one bad field per route, and the message naming that field. */
export const INVALID_BODIES: Record<ReporterRoute, [unknown, RegExp]> = {
  health: [{ ...validBody("health"), cpu_percent: 150 }, /^cpu_percent: /],
  messages: [
    { messages: [{ agent: "a", role: "robot", content: "x", sent_at: at }] },
    /^messages\.0\.role: /,
  ],
  audit: [
    { events: [{ agent: "a", action: "x", occurred_at: "yesterday" }] },
    /^events\.0\.occurred_at: /,
  ],
  conflicts: [{ reports: [] }, /^reports: /],
  "metrics/tasks": [
    {
      metrics: [
        {
          ...(validBody("metrics/tasks").metrics as object[])[0],
          assigned: -1,
        },
      ],
    },
    /^metrics\.0\.assigned: /,
  ],
  "metrics/productivity": [
    {
      metrics: [
        {
          ...(validBody("metrics/productivity").metrics as object[])[0],
          commits: "3",
        },
      ],
    },
    /^metrics\.0\.commits: /,
  ],
  "metrics/cli-sessions": [
    {
      sessions: [
        {
          agent: "a",
          tool: "t",
          started_at: at,
          commands_run: 0,
          input_tokens: 0,
          output_tokens: 0,
        },
      ],
    },
    /^sessions\.0\.session_id: required$/,
  ],
  "commands/poll": [{ max_commands: 50 }, /^max_commands: /],
  "commands/status": [
    { command_id: "nope", status: "running" },
    /^command_id: /,
  ],
  approvals: [
    { ...validBody("approvals"), colour: "red" },
    /^unknown field "colour"$/,
  ],
  "approvals/ack": [
    { approval_id: randomUUID(), outcome: "maybe" },
    /^outcome: /,
  ],
};

export interface LogRow {
  route: string;
  status: number;
  error: string | null;
  latency_ms: number;
}

/** Reads the project's newest request-log row. */
export async function lastLog(
  db: Database,
  projectId: string,
): Promise<LogRow | undefined> {
  const { rows } = await db.query<LogRow>(
    `SELECT route, status, error, latency_ms FROM vm_reporter_request_log
     WHERE project_id = $1 ORDER BY id DESC LIMIT 1`,
    [projectId],
  );
  return rows[0];
}

export async function logCount(db: Database): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    "SELECT count(*)::int8 AS count FROM vm_reporter_request_log",
  );
  return rows[0]!.count;
}
