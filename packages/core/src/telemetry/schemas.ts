import * as z from "zod";

/** An agent's name as the VM reports it, such as "planner" or "coder-2". */
export const AgentName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    "expected an agent name of 1 to 64 letters, digits, '.', '_' or '-'",
  );

const EARLIEST_VM_TIME = 0;
// Date.parse drops digits past milliseconds, which PostgreSQL rounds to
// microseconds, so the last second of 9999 could round into year 10000.
const LATEST_VM_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * A time taken on the VM, ISO 8601 with a zone, such as 2026-04-01T14:30:00Z,
 * from 1970 to 9999-12-31T23:59:59Z. PostgreSQL rejects year 0000, and a
 * time past 9999 comes back in a form Date.parse cannot read.
 */
export const VmTimestamp = z.iso.datetime({ offset: true }).refine((value) => {
  const time = Date.parse(value);
  return time >= EARLIEST_VM_TIME && time <= LATEST_VM_TIME;
}, "expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z");

const percent = z.number().min(0).max(100);
const count = z.number().int().min(0).max(1_000_000_000);
const load = z.number().min(0).max(10_000);
const MAX_BATCH = 100;

const batch = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1).max(MAX_BATCH);

export const AGENT_STATES = ["running", "idle", "stopped", "error"] as const;

export const AgentStatus = z.strictObject({
  status: z.enum(AGENT_STATES),
  current_task: z.string().max(200).optional(),
  detail: z.string().max(500).optional(),
});

export const HealthReport = z.strictObject({
  reported_at: VmTimestamp,
  cpu_percent: percent,
  memory_percent: percent,
  disk_percent: percent,
  load_1m: load.optional(),
  load_5m: load.optional(),
  load_15m: load.optional(),
  uptime_seconds: count.optional(),
  agents: z
    .record(AgentName, AgentStatus)
    .refine((agents) => Object.keys(agents).length <= 50, {
      message: "at most 50 agents",
    })
    .default({}),
});
export type HealthReport = z.infer<typeof HealthReport>;

export const MESSAGE_ROLES = ["user", "assistant", "system", "tool"] as const;

export const AgentMessage = z.strictObject({
  agent: AgentName,
  role: z.enum(MESSAGE_ROLES),
  content: z.string().min(1).max(16_000),
  thread: z.string().min(1).max(100).optional(),
  sent_at: VmTimestamp,
});
export const MessagesReport = z.strictObject({ messages: batch(AgentMessage) });

export const AuditEvent = z.strictObject({
  agent: AgentName,
  action: z.string().min(1).max(100),
  target: z.string().max(500).optional(),
  outcome: z.enum(["success", "failure", "denied"]).default("success"),
  details: z.record(z.string().max(100), z.unknown()).optional(),
  occurred_at: VmTimestamp,
});
export const AuditReport = z.strictObject({ events: batch(AuditEvent) });

export const ConflictReport = z.strictObject({
  agent: AgentName,
  branch: z.string().min(1).max(200),
  conflicts_detected: count,
  conflicts_resolved: count,
  files: z.array(z.string().min(1).max(500)).max(100).default([]),
  syncs_succeeded: count,
  syncs_failed: count,
  last_sync_at: VmTimestamp.optional(),
  reported_at: VmTimestamp,
});
export const ConflictsReport = z.strictObject({
  reports: batch(ConflictReport),
});

const period = {
  period_start: VmTimestamp,
  period_end: VmTimestamp,
};
const periodInOrder = (metric: { period_start: string; period_end: string }) =>
  Date.parse(metric.period_end) >= Date.parse(metric.period_start);
const periodMessage = { message: "period_end is before period_start" };

export const TaskMetric = z
  .strictObject({
    agent: AgentName,
    assigned: count,
    completed: count,
    failed: count,
    drifted: count,
    ...period,
  })
  .refine(periodInOrder, periodMessage);
export const TaskMetricsReport = z.strictObject({ metrics: batch(TaskMetric) });

export const ProductivityMetric = z
  .strictObject({
    agent: AgentName,
    commits: count,
    lines_added: count,
    lines_removed: count,
    files_changed: count,
    active_seconds: count,
    idle_seconds: count,
    ...period,
  })
  .refine(periodInOrder, periodMessage);
export const ProductivityMetricsReport = z.strictObject({
  metrics: batch(ProductivityMetric),
});

export const CliSession = z.strictObject({
  session_id: z.string().min(1).max(100),
  agent: AgentName,
  tool: z.string().min(1).max(50),
  started_at: VmTimestamp,
  ended_at: VmTimestamp.optional(),
  exit_code: z.number().int().min(-1).max(255).optional(),
  commands_run: count,
  input_tokens: count,
  output_tokens: count,
});
export const CliSessionsReport = z.strictObject({
  sessions: batch(CliSession),
});

export const HealthResult = z.object({
  health_status: z.enum(["healthy", "degraded", "unhealthy"]),
  received_at: z.iso.datetime(),
});
export const BatchResult = z.object({ accepted: z.number().int() });
