import type { Database, Queryable } from "../db/pool";
import { badRequest, forbidden } from "../errors";
import type { JobQueue } from "../lifecycle/jobs";
import { logger } from "../log";
import type { LifecycleSettings } from "../lifecycle/settings";
import type { ActivityEntry, Project, ProjectStatus } from "./schemas";
import {
  FORCE_DELETE_EXCLUDED,
  TRANSITIONS,
  describeDisallowed,
  type TransitionalStatus,
  type UserAction,
} from "./transitions";

export interface ProjectDeps {
  db: Database;
  jobs: JobQueue;
  lifecycle: LifecycleSettings;
}

export interface CreateProject {
  organizationId: string;
  name: string;
  region: string;
  vmSize: string;
}

/**
 * Creates a project in `provisioning`, makes the caller its owner, logs
 * `vm_create_requested` and sends the provisioning job. The membership check
 * and the three inserts are one statement, so they happen together or not at
 * all.
 */
export async function createProject(
  deps: ProjectDeps,
  userId: string,
  input: CreateProject,
): Promise<{ project_id: string; status: ProjectStatus }> {
  const deadlineMs = deps.lifecycle.deadlinesMs.provisioning;
  const { rows } = await deps.db.query<{ id: string; version: number }>(
    `WITH member AS (
       SELECT 1 FROM organization_members WHERE organization_id = $1 AND user_id = $2
     ), project AS (
       INSERT INTO projects (organization_id, name, status, region, vm_size, created_by,
         transition_started_at, transition_deadline, job_enqueued_at)
       SELECT $1, $3, 'provisioning', $4, $5, $2,
         now(), now() + make_interval(secs => $6 / 1000.0), now()
       WHERE EXISTS (SELECT 1 FROM member)
       RETURNING id, version
     ), owner AS (
       INSERT INTO project_members (project_id, user_id, role)
       SELECT id, $2, 'owner' FROM project
     ), activity AS (
       INSERT INTO activity_log (project_id, user_id, action, details)
       SELECT id, $2, 'vm_create_requested',
         jsonb_build_object('name', $3::text, 'region', $4::text, 'vm_size', $5::text)
       FROM project
     )
     SELECT id, version FROM project`,
    [
      input.organizationId,
      userId,
      input.name,
      input.region,
      input.vmSize,
      deadlineMs,
    ],
  );
  const created = rows[0];
  if (!created) {
    throw forbidden(`not a member of organization ${input.organizationId}`);
  }

  await sendJob(deps, created.id, "provisioning", created.version);
  return { project_id: created.id, status: "provisioning" };
}

/**
 * Moves a project into the transitional state of `action` with one
 * conditional update, so that of two racing requests exactly one wins, and
 * sends the job that issues the cloud operation.
 */
export async function transitionProject(
  deps: ProjectDeps,
  userId: string,
  projectId: string,
  action: UserAction,
  options: { force?: boolean } = {},
): Promise<{ project_id: string; status: ProjectStatus }> {
  const rule = TRANSITIONS[action];
  const force = action === "delete" && options.force === true;
  const deadlineMs = deps.lifecycle.deadlinesMs[rule.to];

  const { rows } = await deps.db.query<{
    version: number;
    previous: ProjectStatus;
  }>(
    `WITH target AS (
       SELECT p.id, p.status FROM projects p
       JOIN project_members m ON m.project_id = p.id AND m.user_id = $2
       WHERE p.id = $1
       FOR UPDATE OF p
     ), moved AS (
       UPDATE projects p SET status = $3, version = p.version + 1, status_reason = NULL,
         operation = NULL, transition_started_at = now(),
         transition_deadline = now() + make_interval(secs => $6 / 1000.0),
         job_enqueued_at = now(), updated_at = now()
       FROM target
       WHERE p.id = target.id
         AND (CASE WHEN $5 THEN NOT (p.status = ANY($7)) ELSE p.status = ANY($4) END)
       RETURNING p.id, p.version, target.status AS previous
     ), activity AS (
       INSERT INTO activity_log (project_id, user_id, action, details)
       SELECT id, $2, $8, jsonb_build_object('from', previous, 'force', $5::boolean)
       FROM moved
     )
     SELECT version, previous FROM moved`,
    [
      projectId,
      userId,
      rule.to,
      rule.from,
      force,
      deadlineMs,
      FORCE_DELETE_EXCLUDED,
      rule.requested,
    ],
  );
  const moved = rows[0];
  if (!moved) {
    const status = await memberProjectStatus(deps.db, userId, projectId);
    throw badRequest(
      describeDisallowed(action, status, force),
      "invalid_transition",
    );
  }

  await sendJob(deps, projectId, rule.to, moved.version);
  return { project_id: projectId, status: rule.to };
}

/** Three report intervals of 60 s, the default REPORTER_INTERVAL_SECONDS. */
export const DEFAULT_SILENT_AFTER_MS = 3 * 60_000;

/**
 * The health a dashboard reads: a reported health turns `unreachable` once
 * the VM has been silent for `$3` milliseconds.
 */
export const HEALTH_AS_READ = healthAsRead("p", "$3");

/**
 * Returns SQL for the health a dashboard reads of the project aliased
 * `alias`, from its reporter state: `unknown` before any health report.
 */
export function healthAsRead(alias: string, silentAfterMs: string): string {
  return `coalesce((SELECT CASE
    WHEN s.health_status IN ('healthy', 'degraded', 'unhealthy')
      AND s.last_report_at < now() - make_interval(secs => ${silentAfterMs} / 1000.0)
    THEN 'unreachable' ELSE s.health_status END
    FROM reporter_state s WHERE s.project_id = ${alias}.id), 'unknown')`;
}

/** Returns SQL for the time of the last health report of project `alias`. */
export function lastReportAt(alias: string): string {
  return `(SELECT s.last_report_at FROM reporter_state s WHERE s.project_id = ${alias}.id)`;
}

/** Returns the project and its five newest activity entries. */
export async function getProjectStatus(
  db: Queryable,
  userId: string,
  projectId: string,
  silentAfterMs = DEFAULT_SILENT_AFTER_MS,
): Promise<{ project: Project; recent_activity: ActivityEntry[] }> {
  const { rows } = await db.query<
    Project & { recent_activity: ActivityEntry[] }
  >(
    `SELECT p.id, p.organization_id, p.name, p.status, ${HEALTH_AS_READ} AS health_status, p.region,
       p.vm_size, p.status_reason, p.created_at, p.updated_at,
       coalesce((
         SELECT json_agg(json_build_object('action', a.action, 'details', a.details,
           'created_at', a.created_at) ORDER BY a.id DESC)
         FROM (SELECT * FROM activity_log WHERE project_id = p.id ORDER BY id DESC LIMIT 5) a
       ), '[]'::json) AS recent_activity
     FROM projects p
     JOIN project_members m ON m.project_id = p.id AND m.user_id = $2
     WHERE p.id = $1`,
    [projectId, userId, silentAfterMs],
  );
  const row = rows[0];
  if (!row) throw notProjectMember(projectId);
  const { recent_activity, ...project } = row;
  // json_agg renders timestamps as "+00:00"; the API's timestamps end in "Z".
  const activity = recent_activity.map((entry) => ({
    ...entry,
    created_at: new Date(entry.created_at),
  }));
  return { project, recent_activity: activity };
}

async function memberProjectStatus(
  db: Queryable,
  userId: string,
  projectId: string,
): Promise<ProjectStatus> {
  const { rows } = await db.query<{ status: ProjectStatus }>(
    `SELECT p.status FROM projects p
     JOIN project_members m ON m.project_id = p.id AND m.user_id = $2
     WHERE p.id = $1`,
    [projectId, userId],
  );
  if (!rows[0]) throw notProjectMember(projectId);
  return rows[0].status;
}

/** Builds the same 403 for a project that exists and one that does not. */
function notProjectMember(projectId: string) {
  return forbidden(`not a member of project ${projectId}`);
}

/**
 * Sends the job after the transition is committed. A failed send is logged
 * and left to the reconciler, which sends the job again.
 */
async function sendJob(
  deps: ProjectDeps,
  projectId: string,
  status: TransitionalStatus,
  version: number,
): Promise<void> {
  try {
    await deps.jobs.send({ projectId, status, version });
  } catch (error) {
    logger.error(
      { err: error, project_id: projectId, status },
      "sending lifecycle job failed",
    );
  }
}
