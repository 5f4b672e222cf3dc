import type { Queryable } from "../db/pool";
import { forbidden } from "../errors";
import {
  DEFAULT_SILENT_AFTER_MS,
  healthAsRead,
  lastReportAt,
} from "../projects/projects";
import { pageOf, type Page } from "./pagination";

interface PageRequest {
  limit: number;
  cursor?: string;
}

/** Returns the health as read of project `t`, silent for `param` ms. */
const healthOf = (param: string) => healthAsRead("t", param);

// reported_at is formatted as JavaScript's toISOString() does, like every
// other time the dashboard gateway returns. json_build_object would write
// microseconds and +00:00.
const LATEST_HEALTH = `(SELECT json_build_object('cpu_percent', h.cpu_percent,
    'memory_percent', h.memory_percent, 'disk_percent', h.disk_percent,
    'reported_at', to_char(h.reported_at AT TIME ZONE 'UTC',
      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  FROM health_snapshots h WHERE h.project_id = t.id ORDER BY h.id DESC LIMIT 1)`;

/** Lists the organizations the user belongs to, with the user's role in each. */
export function listOrganizations(
  db: Queryable,
  userId: string,
  page: PageRequest,
): Promise<Page<Record<string, unknown>>> {
  return pageOf(db, {
    select: "t.id, t.name, m.role, t.created_at",
    from: `organizations t JOIN organization_members m
      ON m.organization_id = t.id`,
    where: "m.user_id = $1",
    params: [userId],
    order: "created_at",
    ...page,
  });
}

/**
 * Lists the organization's projects the user is a member of, deleted ones left
 * out, with health as read and the latest health snapshot.
 */
export async function listProjects(
  db: Queryable,
  userId: string,
  organizationId: string,
  page: PageRequest,
  silentAfterMs = DEFAULT_SILENT_AFTER_MS,
): Promise<Page<Record<string, unknown>>> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM organization_members
     WHERE organization_id = $1 AND user_id = $2`,
    [organizationId, userId],
  );
  if (rowCount !== 1)
    throw forbidden(`not a member of organization ${organizationId}`);

  return pageOf(db, {
    select: `t.id, t.name, t.status, ${healthOf("$3")} AS health_status,
      t.region, t.vm_size, t.status_reason, ${lastReportAt("t")} AS last_report_at,
      ${LATEST_HEALTH} AS latest_health, t.created_at, t.updated_at`,
    from: "projects t JOIN project_members m ON m.project_id = t.id",
    where: `t.organization_id = $1 AND m.user_id = $2 AND t.status <> 'deleted'`,
    params: [organizationId, userId, silentAfterMs],
    order: "created_at",
    ...page,
  });
}

/**
 * Reads a project's overview: its state, the latest health snapshot, the number
 * of pending approvals and the ten newest activity entries.
 */
export async function projectOverview(
  db: Queryable,
  userId: string,
  projectId: string,
  silentAfterMs = DEFAULT_SILENT_AFTER_MS,
): Promise<Record<string, unknown>> {
  const { rows } = await db.query(
    `SELECT t.id, t.organization_id, o.name AS organization_name, t.name,
       t.status, ${healthOf("$3")} AS health_status, t.region, t.vm_size,
       t.status_reason, t.transition_started_at, t.transition_deadline,
       ${lastReportAt("t")} AS last_report_at, ${LATEST_HEALTH} AS latest_health,
       (SELECT count(*) FROM approvals a WHERE a.project_id = t.id
         AND a.status = 'pending' AND a.expires_at > now()) AS pending_approvals,
       t.created_at, t.updated_at
     FROM projects t
     JOIN organizations o ON o.id = t.organization_id
     JOIN project_members m ON m.project_id = t.id AND m.user_id = $2
     WHERE t.id = $1`,
    [projectId, userId, silentAfterMs],
  );
  const project = rows[0];
  if (!project) throw forbidden(`not a member of project ${projectId}`);

  const activity = await pageOf(db, {
    select: "t.id, t.action, t.details, u.email AS user_email, t.created_at",
    from: "activity_log t LEFT JOIN users u ON u.id = t.user_id",
    where: "t.project_id = $1",
    params: [projectId],
    order: "id",
    limit: 10,
  });
  return { project, recent_activity: activity.items };
}
