import type { Queryable } from "../db/pool";
import { requireProjectMember } from "../projects/access";
import { pageOf, type Page, type PageOrder } from "./pagination";
import type { DashboardRequest } from "./schemas";

/** An approval still pending past its expiry reads as expired. */
const APPROVAL_STATUS_AS_READ = `CASE WHEN t.status = 'pending' AND t.expires_at <= now()
  THEN 'expired' ELSE t.status END`;

interface ListSpec {
  from: string;
  select: string;
  order: PageOrder;
  /** Optional request fields and the SQL expression each one filters. */
  filters?: Record<string, string>;
}

const LISTS = {
  activity: {
    from: "activity_log t LEFT JOIN users u ON u.id = t.user_id",
    select: "t.id, t.action, t.details, u.email AS user_email, t.created_at",
    order: "id",
  },
  health: {
    from: "health_snapshots t",
    select: `t.id, t.health_status, t.cpu_percent, t.memory_percent, t.disk_percent,
      t.load_1m, t.load_5m, t.load_15m, t.uptime_seconds, t.agents, t.reported_at`,
    order: "id",
  },
  messages: {
    from: "agent_messages t",
    select: "t.id, t.agent, t.role, t.content, t.thread, t.sent_at",
    order: "id",
    filters: { agent: "t.agent" },
  },
  audit: {
    from: "audit_events t",
    select:
      "t.id, t.agent, t.action, t.target, t.outcome, t.details, t.occurred_at",
    order: "id",
  },
  commands: {
    from: "commands t LEFT JOIN users u ON u.id = t.created_by",
    select: `t.id, t.type, t.payload, t.status, t.deliveries, t.result,
      u.email AS created_by_email, t.deliver_by, t.created_at,
      t.last_delivered_at, t.finished_at`,
    order: "created_at",
  },
  approvals: {
    from: "approvals t",
    select: `t.id AS approval_id, t.agent, t.action, t.summary, t.details,
      ${APPROVAL_STATUS_AS_READ} AS status, t.decision, t.decision_reason,
      t.decided_at, t.outcome, t.acknowledged_at, t.expires_at, t.created_at`,
    order: "created_at",
    filters: { status: APPROVAL_STATUS_AS_READ },
  },
  request_log: {
    from: "vm_reporter_request_log t",
    select:
      "t.id, t.route, t.status, t.latency_ms, t.error, t.items, t.created_at",
    order: "id",
    filters: { route: "t.route", status: "t.status" },
  },
  task_metrics: {
    from: "task_metrics t",
    select: `t.id, t.agent, t.assigned, t.completed, t.failed, t.drifted,
      t.period_start, t.period_end`,
    order: "id",
  },
  productivity_metrics: {
    from: "productivity_metrics t",
    select: `t.id, t.agent, t.commits, t.lines_added, t.lines_removed,
      t.files_changed, t.active_seconds, t.idle_seconds, t.period_start,
      t.period_end`,
    order: "id",
  },
  cli_sessions: {
    from: "cli_sessions t",
    select: `t.id, t.session_id, t.agent, t.tool, t.started_at, t.ended_at,
      t.exit_code, t.commands_run, t.input_tokens, t.output_tokens`,
    order: "id",
  },
} satisfies Record<string, ListSpec>;

export type ProjectListAction = keyof typeof LISTS;
export type ProjectListRequest = Extract<
  DashboardRequest,
  { action: ProjectListAction }
>;

export function isProjectList(
  request: DashboardRequest,
): request is ProjectListRequest {
  return request.action in LISTS;
}

/**
 * Returns one page of a project's list, newest first, after checking that
 * the caller is a member of the project.
 */
export async function listForProject(
  db: Queryable,
  userId: string,
  request: ProjectListRequest,
): Promise<Page<Record<string, unknown>>> {
  await requireProjectMember(db, userId, request.project_id);

  const spec: ListSpec = LISTS[request.action];
  const params: unknown[] = [request.project_id];
  const where = ["t.project_id = $1"];
  for (const [field, column] of Object.entries(spec.filters ?? {})) {
    const value = (request as Record<string, unknown>)[field];
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  return pageOf(db, {
    select: spec.select,
    from: spec.from,
    where: where.join(" AND "),
    params,
    order: spec.order,
    limit: request.limit,
    cursor: request.cursor,
  });
}
