import { randomUUID } from "node:crypto";
import type { Database } from "../../src/db/pool";
import type { JobQueue, LifecycleJob } from "../../src/lifecycle/jobs";
import { DEFAULT_LIFECYCLE_SETTINGS } from "../../src/lifecycle/settings";
import { createProject, transitionProject } from "../../src/projects/projects";
import type { ProjectRecord } from "../../src/projects/schemas";
import type { UserAction } from "../../src/projects/transitions";

/** A queue that keeps jobs instead of delivering them. */
export class RecordingQueue implements JobQueue {
  readonly jobs: LifecycleJob[] = [];

  async send(job: LifecycleJob): Promise<void> {
    this.jobs.push(job);
  }
}

export interface SeededProject {
  projectId: string;
  userId: string;
  job: LifecycleJob;
}

/** Creates a user in an organization with one project in `provisioning`. */
export async function seedProject(db: Database): Promise<SeededProject> {
  const userId = randomUUID();
  const organizationId = randomUUID();
  await db.query("INSERT INTO users (id, email) VALUES ($1, $2)", [
    userId,
    `${userId}@example.test`,
  ]);
  await db.query("INSERT INTO organizations (id, name) VALUES ($1, 'Org')", [
    organizationId,
  ]);
  await db.query(
    `INSERT INTO organization_members (organization_id, user_id, role)
     VALUES ($1, $2, 'owner')`,
    [organizationId, userId],
  );
  const queue = new RecordingQueue();
  const { project_id } = await createProject(
    { db, jobs: queue, lifecycle: DEFAULT_LIFECYCLE_SETTINGS },
    userId,
    {
      organizationId,
      name: "demo",
      region: "australiaeast",
      vmSize: "Standard_D2s_v3",
    },
  );
  return { projectId: project_id, userId, job: queue.jobs[0]! };
}

/** Puts a project straight into a settled status, as if it had run before. */
export async function markSettled(
  db: Database,
  projectId: string,
  status: "active" | "stopped",
) {
  await db.query(
    `UPDATE projects SET status = $2, version = version + 1,
       operation = NULL, transition_started_at = NULL,
       transition_deadline = NULL, job_enqueued_at = NULL
     WHERE id = $1`,
    [projectId, status],
  );
}

/** Runs a user action through the API side and returns the job it sent. */
export async function requestAction(
  db: Database,
  seeded: SeededProject,
  action: UserAction,
): Promise<LifecycleJob> {
  const queue = new RecordingQueue();
  await transitionProject(
    { db, jobs: queue, lifecycle: DEFAULT_LIFECYCLE_SETTINGS },
    seeded.userId,
    seeded.projectId,
    action,
  );
  return queue.jobs[0]!;
}

export async function loadProject(
  db: Database,
  projectId: string,
): Promise<ProjectRecord> {
  const { rows } = await db.query<ProjectRecord>(
    "SELECT * FROM projects WHERE id = $1",
    [projectId],
  );
  return rows[0]!;
}

export async function activity(
  db: Database,
  projectId: string,
): Promise<Array<{ action: string; details: Record<string, unknown> }>> {
  const { rows } = await db.query<{
    action: string;
    details: Record<string, unknown>;
  }>(
    "SELECT action, details FROM activity_log WHERE project_id = $1 ORDER BY id",
    [projectId],
  );
  return rows;
}
