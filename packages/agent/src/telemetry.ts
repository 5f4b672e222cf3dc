import type { ReporterRequest } from "@synthcore/core/reporter/routes";

export type AgentState = "running" | "idle" | "stopped" | "error";

/** Plausible telemetry for one cycle; `random` varies the load figures. */
export function telemetryFor(
  cycle: number,
  states: Record<string, AgentState>,
  now: Date,
  random: () => number = Math.random,
) {
  const at = now.toISOString();
  const periodStart = new Date(now.getTime() - 60_000).toISOString();
  const agents = Object.keys(states);
  const health: ReporterRequest<"health"> = {
    reported_at: at,
    cpu_percent: round(20 + random() * 40),
    memory_percent: round(35 + random() * 20),
    disk_percent: round(40 + random() * 10),
    load_1m: round(random() * 2),
    uptime_seconds: cycle * 60,
    agents: Object.fromEntries(
      agents.map((name) => [
        name,
        { status: states[name]!, current_task: `task-${cycle}` },
      ]),
    ),
  };
  const messages: ReporterRequest<"messages"> = {
    messages: agents.map((agent) => ({
      agent,
      role: "assistant" as const,
      content: `Cycle ${cycle}: ${agent} is ${states[agent]}`,
      sent_at: at,
    })),
  };
  const audit: ReporterRequest<"audit"> = {
    events: [
      {
        agent: agents[0] ?? "agent",
        action: "cycle.completed",
        target: `cycle-${cycle}`,
        occurred_at: at,
      },
    ],
  };
  const conflicts: ReporterRequest<"conflicts"> = {
    reports: [
      {
        agent: agents.at(-1) ?? "agent",
        branch: "main",
        conflicts_detected: cycle % 2,
        conflicts_resolved: cycle % 2,
        syncs_succeeded: 1,
        syncs_failed: 0,
        last_sync_at: at,
        reported_at: at,
      },
    ],
  };
  const period = { period_start: periodStart, period_end: at };
  const tasks: ReporterRequest<"metrics/tasks"> = {
    metrics: agents.map((agent) => ({
      agent,
      assigned: 2,
      completed: 1,
      failed: 0,
      drifted: 0,
      ...period,
    })),
  };
  const productivity: ReporterRequest<"metrics/productivity"> = {
    metrics: agents.map((agent) => ({
      agent,
      commits: 1,
      lines_added: 40 + cycle,
      lines_removed: 10,
      files_changed: 3,
      active_seconds: 50,
      idle_seconds: 10,
      ...period,
    })),
  };
  const sessions: ReporterRequest<"metrics/cli-sessions"> = {
    sessions: [
      {
        session_id: `cycle-${cycle}`,
        agent: agents.at(-1) ?? "agent",
        tool: "claude-code",
        started_at: periodStart,
        ended_at: at,
        exit_code: 0,
        commands_run: 5,
        input_tokens: 1200,
        output_tokens: 800,
      },
    ],
  };
  return { health, messages, audit, conflicts, tasks, productivity, sessions };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
