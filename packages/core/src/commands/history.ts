import type { Queryable } from "../db/pool";
import type { Statement } from "../db/statement";
import type { HistoryUpdate } from "./commands";
import {
  COMMAND_STATUSES,
  FINAL_COMMAND_STATUSES,
  type CommandStatus,
  type CommandType,
} from "./schemas";

export interface CommandRecord {
  id: string;
  project_id: string;
  type: CommandType;
  payload: Record<string, unknown>;
  status: CommandStatus;
  deliveries: number;
  result: string | null;
  created_by: string | null;
  deliver_by: Date;
  created_at: Date;
  last_delivered_at: Date | null;
  finished_at: Date | null;
}

export async function insertCommandHistory(
  db: Queryable,
  command: {
    id: string;
    projectId: string;
    type: CommandType;
    payload: Record<string, unknown>;
    createdBy: string | null;
    createdAt: number;
    deliverBy: number;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO commands (id, project_id, type, payload, status, created_by,
       created_at, deliver_by)
     VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7)`,
    [
      command.id,
      command.projectId,
      command.type,
      JSON.stringify(command.payload),
      command.createdBy,
      new Date(command.createdAt),
      new Date(command.deliverBy),
    ],
  );
}

function rank(status: CommandStatus): number {
  return FINAL_COMMAND_STATUSES.includes(status)
    ? 3
    : COMMAND_STATUSES.indexOf(status);
}

/** Lists the statuses a history row may move to `status` from. */
function movableFrom(status: CommandStatus): CommandStatus[] {
  return COMMAND_STATUSES.filter(
    (current) =>
      rank(current) < rank(status) ||
      (current === status && status === "delivered"),
  );
}

/**
 * Brings the history row up to the queue's state. Statuses only move
 * forward, so a late write from a slower request changes nothing.
 */
export async function advanceCommandHistory(
  db: Queryable,
  commandId: string,
  status: CommandStatus,
  at: number,
  details: { deliveries?: number; result?: string } = {},
): Promise<void> {
  const from = movableFrom(status);
  await db.query(
    `UPDATE commands SET status = $2,
       deliveries = greatest(deliveries, coalesce($4, deliveries)),
       last_delivered_at = CASE WHEN $2 = 'delivered' THEN $5 ELSE last_delivered_at END,
       finished_at = CASE WHEN $2 = ANY($6) THEN $5 ELSE finished_at END,
       result = coalesce($7, result), updated_at = now()
     WHERE id = $1 AND status = ANY($3)`,
    [
      commandId,
      status,
      from,
      details.deliveries ?? null,
      new Date(at),
      FINAL_COMMAND_STATUSES,
      details.result ?? null,
    ],
  );
}

/** Lists the project's newest commands, for the dashboard. */
export async function listCommandHistory(
  db: Queryable,
  projectId: string,
  limit = 50,
): Promise<CommandRecord[]> {
  const { rows } = await db.query<CommandRecord>(
    `SELECT id, project_id, type, payload, status, deliveries, result, created_by,
       deliver_by, created_at, last_delivered_at, finished_at
     FROM commands WHERE project_id = $1 ORDER BY created_at DESC LIMIT $2`,
    [projectId, limit],
  );
  return rows;
}

/**
 * Adds the history changes of a report to a statement, guarded by
 * `allowed`. One UPDATE cannot change a row twice, so a command changed
 * twice in one report keeps its last change.
 */
export function advanceHistoryIn(
  sql: Statement,
  allowed: string,
  projectId: string,
  updates: HistoryUpdate[],
): void {
  if (updates.length === 0) return;
  const last = new Map(updates.map((update) => [update.id, update]));
  const rows = [...last.values()].map((update) => ({
    id: update.id,
    status: update.status,
    from_statuses: `{${movableFrom(update.status).join(",")}}`,
    deliveries: update.deliveries ?? null,
    at: new Date(update.at).toISOString(),
    result: update.result ?? null,
  }));
  sql.with(
    "command_history",
    `UPDATE commands c SET status = u.status,
       deliveries = greatest(c.deliveries, coalesce(u.deliveries, c.deliveries)),
       last_delivered_at = CASE WHEN u.status = 'delivered' THEN u.at ELSE c.last_delivered_at END,
       finished_at = CASE WHEN u.status = ANY(${sql.param(FINAL_COMMAND_STATUSES, "text[]")}) THEN u.at ELSE c.finished_at END,
       result = coalesce(u.result, c.result), updated_at = now()
     FROM jsonb_to_recordset(${sql.param(JSON.stringify(rows), "jsonb")})
       AS u(id uuid, status text, from_statuses text[], deliveries integer,
            at timestamptz, result text)
     WHERE c.id = u.id AND c.project_id = ${sql.param(projectId, "uuid")}
       AND c.status = ANY(u.from_statuses)
       AND EXISTS (SELECT 1 FROM ${allowed})`,
  );
}
