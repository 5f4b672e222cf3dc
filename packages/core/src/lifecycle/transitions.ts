import type { Queryable } from "../db/pool";
import type { OperationHandle } from "../compute/provider";
import { COMPLETIONS, type TransitionalStatus } from "../projects/transitions";

/** Activity names for a transition that ended in `error`. */
export const FAILURE_ACTIONS: Record<TransitionalStatus, string> = {
  provisioning: "vm_provision_failed",
  starting: "vm_start_failed",
  stopping: "vm_stop_failed",
  deleting: "vm_delete_failed",
};

/**
 * Each write below is guarded by the project's version, so a worker that
 * read an older state changes nothing. Each returns whether it won.
 */
export async function recordOperation(
  db: Queryable,
  projectId: string,
  version: number,
  operation: OperationHandle,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH recorded AS (
       UPDATE projects SET operation = $3, updated_at = now()
       WHERE id = $1 AND version = $2 AND operation IS NULL
       RETURNING id
     )
     INSERT INTO activity_log (project_id, action, details)
     SELECT id, 'vm_operation_started',
       jsonb_build_object('operation', $4::text, 'operation_id', $5::text)
     FROM recorded`,
    [
      projectId,
      version,
      JSON.stringify(operation),
      operation.kind,
      operation.id,
    ],
  );
  return rowCount === 1;
}

/**
 * Replaces the stored operation with the provider's next handle, only if the
 * stored one is still `previous`, so that only one of two racing pollers
 * writes.
 */
export async function advanceOperation(
  db: Queryable,
  projectId: string,
  version: number,
  previous: OperationHandle,
  next: OperationHandle,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE projects SET operation = $4, updated_at = now()
     WHERE id = $1 AND version = $2 AND operation = $3::jsonb`,
    [projectId, version, JSON.stringify(previous), JSON.stringify(next)],
  );
  return rowCount === 1;
}

export async function completeTransition(
  db: Queryable,
  projectId: string,
  version: number,
  status: TransitionalStatus,
): Promise<boolean> {
  const completion = COMPLETIONS[status];
  const { rowCount } = await db.query(
    `WITH done AS (
       UPDATE projects SET status = $4, version = version + 1, operation = NULL,
         status_reason = NULL, transition_started_at = NULL,
         transition_deadline = NULL, job_enqueued_at = NULL,
         updated_at = now()
       WHERE id = $1 AND version = $2 AND status = $3
       RETURNING id
     ),
     -- A VM that stopped or went away no longer has a health.
     health_reset AS (
       UPDATE reporter_state SET health_status = 'unknown'
       WHERE project_id IN (SELECT id FROM done) AND $4 <> 'active'
     )
     INSERT INTO activity_log (project_id, action, details)
     SELECT id, $5, jsonb_build_object('from', $3::text) FROM done`,
    [projectId, version, status, completion.to, completion.action],
  );
  return rowCount === 1;
}

export async function failTransition(
  db: Queryable,
  projectId: string,
  version: number,
  status: TransitionalStatus,
  failure: { code: string; message: string },
): Promise<boolean> {
  const reason = `${failure.code}: ${failure.message}`.slice(0, 1000);
  const { rowCount } = await db.query(
    `WITH failed AS (
       UPDATE projects SET status = 'error', version = version + 1, operation = NULL,
         status_reason = $4, transition_started_at = NULL,
         transition_deadline = NULL, job_enqueued_at = NULL, updated_at = now()
       WHERE id = $1 AND version = $2 AND status = $3
       RETURNING id
     )
     INSERT INTO activity_log (project_id, action, details)
     SELECT id, $5, jsonb_build_object('from', $3::text, 'code', $6::text, 'message', $7::text)
     FROM failed`,
    [
      projectId,
      version,
      status,
      reason,
      FAILURE_ACTIONS[status],
      failure.code,
      failure.message,
    ],
  );
  return rowCount === 1;
}
