import type { Database } from "../db/pool";
import {
  ComputeError,
  type ComputeProvider,
  type OperationHandle,
} from "../compute/provider";
import { logger } from "../log";
import type { ProjectRecord } from "../projects/schemas";
import type { TransitionalStatus } from "../projects/transitions";
import type { LifecycleJob } from "./jobs";
import { failTransition, recordOperation } from "./transitions";

export interface WorkerDeps {
  db: Database;
  compute: ComputeProvider;
}

export type JobOutcome = "started" | "stale" | "failed";

/**
 * Issues the cloud operation for one transition and records it on the
 * project, where the reconciler later finds it finished. Running the same job twice is
 * safe: a job whose version is no longer current, or whose operation is
 * already recorded, is dropped. A transient cloud error is thrown so that the
 * queue delivers the job again; a permanent one ends the transition in error.
 */
export async function runLifecycleJob(
  deps: WorkerDeps,
  job: LifecycleJob,
): Promise<JobOutcome> {
  const { rows } = await deps.db.query<ProjectRecord>(
    "SELECT * FROM projects WHERE id = $1",
    [job.projectId],
  );
  const project = rows[0];
  const current =
    project?.version === job.version && project.status === job.status;
  if (!project || !current || project.operation) {
    logger.info(
      { project_id: job.projectId, status: job.status, version: job.version },
      "lifecycle job is stale; dropped",
    );
    return "stale";
  }

  let operation: OperationHandle;
  try {
    operation = await beginOperation(deps, project, job.status);
  } catch (error) {
    if (!(error instanceof ComputeError) || error.transient) throw error;
    await failTransition(
      deps.db,
      project.id,
      project.version,
      job.status,
      error,
    );
    logger.warn(
      { project_id: project.id, status: job.status, code: error.code },
      "cloud operation rejected",
    );
    return "failed";
  }

  const recorded = await recordOperation(
    deps.db,
    project.id,
    project.version,
    operation,
  );
  logger.info(
    {
      project_id: project.id,
      status: job.status,
      operation_id: operation.id,
      recorded,
    },
    "cloud operation started",
  );
  return recorded ? "started" : "stale";
}

async function beginOperation(
  deps: WorkerDeps,
  project: ProjectRecord,
  status: TransitionalStatus,
): Promise<OperationHandle> {
  const vm = { projectId: project.id, region: project.region };
  switch (status) {
    case "provisioning":
      return deps.compute.create({ ...vm, vmSize: project.vm_size });
    case "starting":
      return deps.compute.start(vm);
    case "stopping":
      return deps.compute.stop(vm);
    case "deleting":
      return deps.compute.delete(vm);
  }
}
