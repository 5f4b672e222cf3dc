import type { Database } from "../db/pool";
import { ComputeError, type ComputeProvider } from "../compute/provider";
import { logger } from "../log";
import type { ProjectRecord } from "../projects/schemas";
import {
  TRANSITIONAL_STATUSES,
  type TransitionalStatus,
} from "../projects/transitions";
import type { JobQueue } from "./jobs";
import type { LifecycleSettings } from "./settings";
import {
  advanceOperation,
  completeTransition,
  failTransition,
} from "./transitions";

export interface ReconcilerDeps {
  db: Database;
  compute: ComputeProvider;
  jobs: JobQueue;
  settings: LifecycleSettings;
  /**
   * Builds a new VM's custom data (API URL, project id, a fresh reporter
   * token). The provider calls it only when it sends the VM request.
   */
  customData?: (project: ProjectRecord) => Promise<Record<string, string>>;
}

export interface ReconcileSummary {
  checked: number;
  completed: number;
  failed: number;
  redriven: number;
}

type Candidate = ProjectRecord & { overdue: boolean; redrive_due: boolean };

const BATCH_SIZE = 200;

/**
 * Drives every project in a transitional state one step towards its end:
 * finishes transitions whose operation is done, fails those past their
 * deadline or whose operation failed, and sends a lost job again. All writes
 * are guarded by the project's version, so it can race a worker safely.
 */
export async function reconcile(
  deps: ReconcilerDeps,
): Promise<ReconcileSummary> {
  const { rows } = await deps.db.query<Candidate>(
    `SELECT *, transition_deadline < now() AS overdue,
       (operation IS NULL AND job_enqueued_at < now() - make_interval(secs => $2 / 1000.0))
         AS redrive_due
     FROM projects WHERE status = ANY($1)
     ORDER BY transition_started_at LIMIT ${BATCH_SIZE}`,
    [TRANSITIONAL_STATUSES, deps.settings.redriveAfterMs],
  );

  const summary: ReconcileSummary = {
    checked: rows.length,
    completed: 0,
    failed: 0,
    redriven: 0,
  };
  for (const project of rows) {
    try {
      const step = await reconcileProject(deps, project);
      if (step) summary[step]++;
    } catch (error) {
      logger.error(
        { err: error, project_id: project.id, status: project.status },
        "reconciling project failed",
      );
    }
  }
  return summary;
}

async function reconcileProject(
  deps: ReconcilerDeps,
  project: Candidate,
): Promise<"completed" | "failed" | "redriven" | undefined> {
  const status = project.status as TransitionalStatus;

  if (project.overdue) {
    const minutes = Math.round(deps.settings.deadlinesMs[status] / 60_000);
    const won = await failTransition(
      deps.db,
      project.id,
      project.version,
      status,
      {
        code: "DeadlineExceeded",
        message: `"${status}" did not finish within ${minutes} minutes`,
      },
    );
    if (won)
      logger.warn(
        { project_id: project.id, status },
        "transition passed its deadline",
      );
    return won ? "failed" : undefined;
  }

  if (project.operation) {
    let result;
    try {
      const customData = deps.customData;
      result = await deps.compute.getOperation(project.operation, {
        customData: customData && (() => customData(project)),
      });
    } catch (error) {
      if (error instanceof ComputeError && error.transient) {
        logger.warn(
          { project_id: project.id, code: error.code },
          "polling cloud operation failed; retrying next run",
        );
        return undefined;
      }
      throw error;
    }
    if (result.state === "running") {
      if (result.next) {
        await advanceOperation(
          deps.db,
          project.id,
          project.version,
          project.operation,
          result.next,
        );
      }
      return undefined;
    }
    if (result.state === "succeeded") {
      const won = await completeTransition(
        deps.db,
        project.id,
        project.version,
        status,
      );
      return won ? "completed" : undefined;
    }
    const won = await failTransition(
      deps.db,
      project.id,
      project.version,
      status,
      result,
    );
    return won ? "failed" : undefined;
  }

  if (project.redrive_due) {
    const { rowCount } = await deps.db.query(
      `UPDATE projects SET job_enqueued_at = now()
       WHERE id = $1 AND version = $2 AND operation IS NULL`,
      [project.id, project.version],
    );
    if (rowCount !== 1) return undefined;
    await deps.jobs.send({
      projectId: project.id,
      status,
      version: project.version,
    });
    logger.info({ project_id: project.id, status }, "lifecycle job sent again");
    return "redriven";
  }
  return undefined;
}
