import { randomUUID } from "node:crypto";
import type { Database, Queryable } from "../db/pool";
import { Statement } from "../db/statement";
import { conflict, notFound } from "../errors";
import {
  FINAL_COMMAND_STATUSES,
  type AGENT_COMMAND_STATUSES,
  type CommandStatus,
  type CommandType,
  type DeliveredCommand,
} from "./schemas";

export interface CommandSettings {
  /** How long a leased command stays invisible to other polls. */
  visibilityTimeoutMs: number;
  /** How long a command may wait for delivery before it expires. */
  deliveryDeadlineMs: number;
}

export interface CommandDeps {
  db: Database;
  commandSettings: CommandSettings;
  now?: () => number;
}

export interface EnqueuedCommand {
  command_id: string;
  type: CommandType;
  status: "queued";
  deliver_by: string;
}

/** A status an agent reports for a command it received. */
export interface CommandReport {
  command_id: string;
  status: (typeof AGENT_COMMAND_STATUSES)[number];
  result?: string;
}

/** A function that reads a statement's row into the result of the part that added it. */
export type RowReader<T> = (row: Record<string, unknown>) => T;

/**
 * Adds a command for the project's VM to a statement, queued only when
 * `guard` contains a row. The row of `commands` is both the queue entry and
 * the dashboard's history, so it commits with whatever caused it.
 */
export function enqueueCommandIn(
  sql: Statement,
  guard: string,
  settings: CommandSettings,
  command: {
    projectId: string;
    type: CommandType;
    payload?: Record<string, unknown>;
    createdBy: string | null;
    now: number;
    /** The command's id, when the caller stores it elsewhere too. */
    id?: string;
  },
): EnqueuedCommand {
  const id = command.id ?? randomUUID();
  const createdAt = sql.param(new Date(command.now), "timestamptz");
  const deliverBy = new Date(command.now + settings.deliveryDeadlineMs);
  sql.with(
    sql.name("queued_command"),
    `INSERT INTO commands (id, project_id, type, payload, status, created_by,
       created_at, deliver_by, visible_at)
     SELECT ${sql.param(id, "uuid")}, ${sql.param(command.projectId, "uuid")},
       ${sql.param(command.type, "text")},
       ${sql.param(JSON.stringify(command.payload ?? {}), "jsonb")}, 'queued',
       ${sql.param(command.createdBy, "uuid")}, ${createdAt},
       ${sql.param(deliverBy, "timestamptz")}, ${createdAt}
     FROM ${guard}`,
  );
  return {
    command_id: id,
    type: command.type,
    status: "queued",
    deliver_by: deliverBy.toISOString(),
  };
}

/** Queues a command for the project's VM in a statement of its own. */
export async function enqueueCommand(
  db: Queryable,
  settings: CommandSettings,
  command: Parameters<typeof enqueueCommandIn>[3],
): Promise<EnqueuedCommand> {
  const sql = new Statement();
  const always = sql.with("always", "SELECT 1");
  const enqueued = enqueueCommandIn(sql, always, settings, command);
  await db.query(sql.text, sql.params);
  return enqueued;
}

/**
 * Adds a poll to a statement, guarded by `allowed`. It expires the
 * project's open commands past their delivery deadline, then leases up to
 * `max` visible ones, oldest first, until the visibility timeout.
 *
 * A command whose lease lapses without a status report is leased again.
 * `SKIP LOCKED` keeps two concurrent polls from leasing one command. The
 * commands in `exclude`, which the same report gives a status for, are not
 * leased, because one statement may change a row only once.
 */
export function leaseCommandsIn(
  sql: Statement,
  allowed: string,
  poll: {
    projectId: string;
    max: number;
    now: number;
    settings: CommandSettings;
    exclude: string[];
  },
): RowReader<DeliveredCommand[]> {
  const project = sql.shared("project_id", poll.projectId, "uuid");
  const now = sql.param(new Date(poll.now), "timestamptz");
  const leaseEnd = sql.param(
    new Date(poll.now + poll.settings.visibilityTimeoutMs),
    "timestamptz",
  );
  sql.with(
    "expired_commands",
    `UPDATE commands SET status = 'expired', finished_at = ${now}, updated_at = now()
     WHERE project_id = ${project} AND status IN ('queued', 'delivered')
       AND deliver_by <= ${now} AND EXISTS (SELECT 1 FROM ${allowed})
     RETURNING id`,
  );
  sql.with(
    "leased_commands",
    `UPDATE commands c SET status = 'delivered', visible_at = ${leaseEnd},
       deliveries = c.deliveries + 1, last_delivered_at = ${now}, updated_at = now()
     WHERE c.id IN (
       SELECT id FROM commands
       WHERE project_id = ${project} AND status IN ('queued', 'delivered')
         AND visible_at <= ${now} AND deliver_by > ${now}
         AND id <> ALL(${sql.param(poll.exclude, "uuid[]")})
         AND EXISTS (SELECT 1 FROM ${allowed})
       ORDER BY created_at, id
       LIMIT ${sql.param(poll.max, "int")}
       FOR UPDATE SKIP LOCKED)
     RETURNING c.id, c.type, c.payload, c.deliveries, c.created_at,
       c.visible_at, c.deliver_by`,
  );
  sql.output(
    "leased_commands",
    `SELECT coalesce(json_agg(l ORDER BY l.created_at, l.id), '[]'::json)
     FROM leased_commands l`,
  );
  return (row) =>
    (row.leased_commands as LeasedRow[]).map((leased) => ({
      command_id: leased.id,
      type: leased.type,
      payload: leased.payload,
      status: "delivered",
      deliveries: leased.deliveries,
      created_at: iso(leased.created_at),
      lease_expires_at: iso(leased.visible_at),
      deliver_by: iso(leased.deliver_by),
    }));
}

interface LeasedRow {
  id: string;
  type: CommandType;
  payload: Record<string, unknown>;
  deliveries: number;
  created_at: string;
  visible_at: string;
  deliver_by: string;
}

const iso = (timestamp: string) => new Date(timestamp).toISOString();

/** The maximum number of open commands one expiry pass moves to `expired`. */
const EXPIRY_BATCH = 1000;

/**
 * Expires open commands past their delivery deadline in every project, for
 * VMs that no longer poll (a poll expires its own project's). Skips rows a
 * poll holds, and returns how many it expired. Run by the reconciler.
 */
export async function expireOverdueCommands(
  db: Queryable,
  now: number,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE commands SET status = 'expired', finished_at = $1, updated_at = now()
     WHERE id IN (
       SELECT id FROM commands
       WHERE status IN ('queued', 'delivered') AND deliver_by <= $1
       ORDER BY deliver_by LIMIT $2
       FOR UPDATE SKIP LOCKED)`,
    [new Date(now), EXPIRY_BATCH],
  );
  return rowCount ?? 0;
}

/** The statuses an agent's report may move a command from. */
const ALLOWED_FROM: Record<CommandReport["status"], CommandStatus[]> = {
  running: ["delivered"],
  succeeded: ["delivered", "running"],
  failed: ["delivered", "running"],
};

/**
 * Adds an agent's status report to a statement, guarded by `allowed`.
 * Repeating the current status succeeds and changes nothing. Any move
 * backwards or out of a final status is a 409, and an unknown command a
 * 404, both thrown by the returned reader.
 */
export function advanceCommandIn(
  sql: Statement,
  allowed: string,
  projectId: string,
  report: CommandReport,
  now: number,
): RowReader<{ command_id: string; status: CommandStatus }> {
  const name = sql.name("command_status");
  const id = sql.param(report.command_id, "uuid");
  const project = sql.shared("project_id", projectId, "uuid");
  const to = sql.param(report.status, "text");
  sql.with(
    name,
    `UPDATE commands SET status = ${to},
       result = coalesce(${sql.param(report.result ?? null, "text")}, result),
       finished_at = CASE WHEN ${to} = ANY(${sql.param(FINAL_COMMAND_STATUSES, "text[]")})
         THEN ${sql.param(new Date(now), "timestamptz")} ELSE finished_at END,
       updated_at = now()
     WHERE id = ${id} AND project_id = ${project}
       AND status = ANY(${sql.param(ALLOWED_FROM[report.status], "text[]")})
       AND EXISTS (SELECT 1 FROM ${allowed})
     RETURNING status`,
  );
  sql.output(`${name}_moved`, `SELECT status FROM ${name}`);
  sql.output(
    `${name}_was`,
    `SELECT status FROM commands WHERE id = ${id} AND project_id = ${project}`,
  );
  return (row) => {
    if (row[`${name}_moved`] !== null) {
      return { command_id: report.command_id, status: report.status };
    }
    return unchangedStatus(report, row[`${name}_was`] as CommandStatus | null);
  };
}

function unchangedStatus(report: CommandReport, current: CommandStatus | null) {
  if (current === null) {
    throw notFound(`command ${report.command_id} not found for this project`);
  }
  if (current === report.status) {
    return { command_id: report.command_id, status: current };
  }
  const expected = ALLOWED_FROM[report.status]
    .map((status) => `"${status}"`)
    .join(" or ");
  throw conflict(
    `command ${report.command_id} is "${current}"; "${report.status}" requires ${expected}`,
  );
}
