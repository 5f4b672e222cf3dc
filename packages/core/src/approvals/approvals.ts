import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/pool";
import { Statement } from "../db/statement";
import { badRequest, conflict, notFound } from "../errors";
import { enqueueCommandIn, type CommandDeps } from "../commands/commands";
import { requireProjectMember } from "../projects/access";
import type { Approval, ApprovalAck, ApprovalRequest } from "./schemas";

const APPROVAL_COLUMNS = `id AS approval_id, agent, action, summary, status, decision,
  decision_reason, expires_at, created_at`;

type ApprovalRow = Omit<Approval, "expires_at" | "created_at"> & {
  expires_at: Date;
  created_at: Date;
};

/**
 * Moves pending approvals past their expiry to `expired`, so that every
 * read and write below applies the expiry the server enforces.
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

type ApprovalJson = Omit<Approval, "expires_at" | "created_at"> & {
  expires_at: string;
  created_at: string;
};

/** Reads an approval row back from the JSON a statement returned. */
function fromJson(row: ApprovalJson): Approval {
  return {
    ...row,
    expires_at: new Date(row.expires_at).toISOString(),
    created_at: new Date(row.created_at).toISOString(),
  };
}

/**
 * Adds the read of an approval's row after the statement: from `changed`
 * when the statement wrote it, else the row as it was. A pending row past
 * its expiry is moved to `expired` first, as every read here does.
 */
function approvalAfter(
  sql: Statement,
  allowed: string,
  key: { project: string; id: string; now: string },
  changed: string[],
): string {
  const where = `project_id = ${key.project} AND id = ${key.id} AND EXISTS (SELECT 1 FROM ${allowed})`;
  const expired = sql.with(
    sql.name("approval_expired"),
    `UPDATE approvals SET status = 'expired'
     WHERE ${where} AND status = 'pending' AND expires_at <= ${key.now}
     RETURNING ${APPROVAL_COLUMNS}`,
  );
  const written = [...changed, expired];
  const unchanged = written
    .map((name) => `NOT EXISTS (SELECT 1 FROM ${name})`)
    .join(" AND ");
  const row = sql.with(
    sql.name("approval"),
    `${written.map((name) => `SELECT * FROM ${name}`).join(" UNION ALL ")}
     UNION ALL SELECT ${APPROVAL_COLUMNS} FROM approvals
     WHERE ${where} AND ${unchanged}`,
  );
  const alias = sql.name("approval_row");
  sql.output(alias, `SELECT to_jsonb(r) FROM ${row} r LIMIT 1`);
  return alias;
}

function approvalKey(
  sql: Statement,
  projectId: string,
  id: string,
  now: number,
) {
  return {
    project: sql.shared("project_id", projectId, "uuid"),
    id: sql.param(id, "uuid"),
    now: sql.param(new Date(now), "timestamptz"),
  };
}

/**
 * Adds a pending approval to a statement; the same id again returns the
 * stored one. Returns a reader for the statement's result row.
 */
export function createApprovalIn(
  sql: Statement,
  allowed: string,
  projectId: string,
  request: ApprovalRequest,
  now: number,
): (row: Record<string, unknown>) => Approval {
  const key = approvalKey(sql, projectId, request.approval_id, now);
  const expires = new Date(now + request.expires_in_seconds * 1000);
  const inserted = sql.with(
    sql.name("approval_new"),
    `INSERT INTO approvals (project_id, id, agent, action, summary, details,
       status, expires_at, created_at)
     SELECT ${key.project}, ${key.id}, ${sql.param(request.agent, "text")},
       ${sql.param(request.action, "text")}, ${sql.param(request.summary, "text")},
       ${sql.param(JSON.stringify(request.details ?? {}), "jsonb")}, 'pending',
       ${sql.param(expires, "timestamptz")}, ${key.now}
     WHERE EXISTS (SELECT 1 FROM ${allowed})
     ON CONFLICT (project_id, id) DO NOTHING
     RETURNING ${APPROVAL_COLUMNS}`,
  );
  const alias = approvalAfter(sql, allowed, key, [inserted]);
  return (result) => {
    const row = result[alias] as ApprovalJson;
    if (row.agent !== request.agent || row.action !== request.action) {
      throw conflict(
        `approval ${request.approval_id} already exists for action "${row.action}" of agent "${row.agent}"`,
      );
    }
    return fromJson(row);
  };
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
  const commandId = randomUUID();
  const sql = new Statement();
  const decidedAt = sql.param(new Date(now), "timestamptz");
  const decided = sql.with(
    "decided",
    `UPDATE approvals SET status = ${sql.param(status, "text")},
       decision = ${sql.param(status, "text")},
       decision_reason = ${sql.param(input.reason ?? null, "text")},
       decided_by = ${sql.param(userId, "uuid")}, decided_at = ${decidedAt},
       command_id = ${sql.param(commandId, "uuid")}
     WHERE project_id = ${sql.param(input.projectId, "uuid")}
       AND id = ${sql.param(input.approvalId, "uuid")}
       AND status = 'pending' AND expires_at > ${decidedAt}
     RETURNING id`,
  );
  // The decision and its command commit together.
  const command = enqueueCommandIn(sql, decided, deps.commandSettings, {
    projectId: input.projectId,
    type: "approval_decision",
    payload: {
      approval_id: input.approvalId,
      decision: status,
      reason: input.reason ?? null,
    },
    createdBy: userId,
    now,
    id: commandId,
  });
  sql.output("decided", "SELECT count(*)::int FROM decided");
  const { rows } = await deps.db.query(sql.text, sql.params);
  if (rows[0]!.decided !== 1) {
    await rejectDecision(deps.db, input, now);
  }
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
 * Adds the VM's confirmation that it acted on a decision to a statement.
 * Acknowledging twice succeeds. An approval without a decision, or a
 * rejected one acknowledged as "proceeded", is a 409.
 */
export function acknowledgeApprovalIn(
  sql: Statement,
  allowed: string,
  projectId: string,
  ack: ApprovalAck,
  now: number,
): (row: Record<string, unknown>) => Approval {
  const key = approvalKey(sql, projectId, ack.approval_id, now);
  const outcome = ack.message ? `${ack.outcome}: ${ack.message}` : ack.outcome;
  const acknowledged = sql.with(
    sql.name("approval_ack"),
    `UPDATE approvals SET status = 'acknowledged',
       outcome = ${sql.param(outcome, "text")}, acknowledged_at = ${key.now}
     WHERE project_id = ${key.project} AND id = ${key.id}
       AND (status = 'approved'
         OR (status = 'rejected' AND ${sql.param(ack.outcome, "text")} <> 'proceeded'))
       AND EXISTS (SELECT 1 FROM ${allowed})
     RETURNING ${APPROVAL_COLUMNS}`,
  );
  const alias = approvalAfter(sql, allowed, key, [acknowledged]);
  return (result) => {
    const row = result[alias] as ApprovalJson | null;
    if (!row) throw notFound(`approval ${ack.approval_id} not found`);
    if (row.status === "rejected" && ack.outcome === "proceeded") {
      throw conflict(
        `approval ${ack.approval_id} was rejected, so "proceeded" contradicts the decision; acknowledge it with "aborted" or "failed"`,
      );
    }
    if (row.status !== "acknowledged") {
      throw conflict(
        `approval ${ack.approval_id} is "${row.status}"; an acknowledgement requires "approved" or "rejected"`,
      );
    }
    return fromJson(row);
  };
}
