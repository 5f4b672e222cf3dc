import type { Queryable } from "../db/pool";
import { badRequest, conflict, notFound } from "../errors";
import { enqueueCommand, type CommandDeps } from "../commands/commands";
import { requireProjectMember } from "../projects/access";
import type { Approval, ApprovalAck, ApprovalRequest } from "./schemas";

const APPROVAL_COLUMNS = `id AS approval_id, agent, action, summary, status, decision,
  decision_reason, expires_at, created_at`;

type ApprovalRow = Omit<Approval, "expires_at" | "created_at"> & {
  expires_at: Date;
  created_at: Date;
};

function toApproval(row: ApprovalRow): Approval {
  return {
    ...row,
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
  };
}

/**
 * Moves pending approvals past their expiry to `expired`, so that every
 * read and write below sees the expiry the server enforces.
 */
async function expireApproval(
  db: Queryable,
  projectId: string,
  approvalId: string,
  now: number,
): Promise<ApprovalRow | undefined> {
  await db.query(
    `UPDATE approvals SET status = 'expired'
     WHERE project_id = $1 AND id = $2 AND status = 'pending' AND expires_at <= $3`,
    [projectId, approvalId, new Date(now)],
  );
  const { rows } = await db.query<ApprovalRow>(
    `SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE project_id = $1 AND id = $2`,
    [projectId, approvalId],
  );
  return rows[0];
}

/** Creates a pending approval; the same id again returns the stored one. */
export async function createApproval(
  db: Queryable,
  projectId: string,
  request: ApprovalRequest,
  now: number,
): Promise<Approval> {
  await db.query(
    `INSERT INTO approvals (project_id, id, agent, action, summary, details,
       status, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)
     ON CONFLICT (project_id, id) DO NOTHING`,
    [
      projectId,
      request.approval_id,
      request.agent,
      request.action,
      request.summary,
      JSON.stringify(request.details ?? {}),
      new Date(now + request.expires_in_seconds * 1000),
      new Date(now),
    ],
  );
  const row = await expireApproval(db, projectId, request.approval_id, now);
  if (row!.agent !== request.agent || row!.action !== request.action) {
    throw conflict(
      `approval ${request.approval_id} already exists for action "${row!.action}" of agent "${row!.agent}"`,
    );
  }
  return toApproval(row!);
}

export interface Decision {
  projectId: string;
  approvalId: string;
  decision: "approve" | "reject";
  reason?: string;
}

/**
 * Records a member's decision on a pending approval and sends it to the
 * VM as an `approval_decision` command. A decision after the expiry is a 400.
 */
export async function decideApproval(
  deps: CommandDeps,
  userId: string,
  input: Decision,
): Promise<{ approval_id: string; status: string; command_id: string }> {
  const now = (deps.now ?? Date.now)();
  await requireProjectMember(deps.db, userId, input.projectId);
  const status = input.decision === "approve" ? "approved" : "rejected";
  const { rowCount } = await deps.db.query(
    `UPDATE approvals SET status = $3, decision = $3, decision_reason = $4,
       decided_by = $5, decided_at = $6
     WHERE project_id = $1 AND id = $2 AND status = 'pending' AND expires_at > $6`,
    [
      input.projectId,
      input.approvalId,
      status,
      input.reason ?? null,
      userId,
      new Date(now),
    ],
  );
  if (rowCount !== 1) {
    await rejectDecision(deps.db, input, now);
  }

  const command = await enqueueCommand(deps, {
    projectId: input.projectId,
    type: "approval_decision",
    payload: {
      approval_id: input.approvalId,
      decision: status,
      reason: input.reason ?? null,
    },
    createdBy: userId,
  });
  await deps.db.query(
    "UPDATE approvals SET command_id = $3 WHERE project_id = $1 AND id = $2",
    [input.projectId, input.approvalId, command.command_id],
  );
  return {
    approval_id: input.approvalId,
    status,
    command_id: command.command_id,
  };
}

async function rejectDecision(db: Queryable, input: Decision, now: number) {
  const row = await expireApproval(db, input.projectId, input.approvalId, now);
  if (!row) {
    throw notFound(
      `approval ${input.approvalId} not found in project ${input.projectId}`,
    );
  }
  if (row.status === "expired") {
    throw badRequest(
      `approval ${input.approvalId} expired at ${row.expires_at.toISOString()}; it can no longer be decided`,
      "approval_expired",
    );
  }
  throw badRequest(
    `approval ${input.approvalId} is "${row.status}"; a decision requires "pending"`,
    "invalid_transition",
  );
}

/**
 * Records that the VM acted on a decision. Acknowledging twice succeeds;
 * an approval without a decision is a 409.
 */
export async function acknowledgeApproval(
  db: Queryable,
  projectId: string,
  ack: ApprovalAck,
  now: number,
): Promise<Approval> {
  await db.query(
    `UPDATE approvals SET status = 'acknowledged', outcome = $3,
       acknowledged_at = $4
     WHERE project_id = $1 AND id = $2 AND status IN ('approved', 'rejected')`,
    [
      projectId,
      ack.approval_id,
      ack.message ? `${ack.outcome}: ${ack.message}` : ack.outcome,
      new Date(now),
    ],
  );
  const row = await expireApproval(db, projectId, ack.approval_id, now);
  if (!row) throw notFound(`approval ${ack.approval_id} not found`);
  if (row.status !== "acknowledged") {
    throw conflict(
      `approval ${ack.approval_id} is "${row.status}"; an acknowledgement requires "approved" or "rejected"`,
    );
  }
  return toApproval(row);
}
