import { randomUUID } from "node:crypto";
import type { Database } from "../db/pool";
import type { DynamoClient } from "../dynamo/client";
import { conflict, notFound } from "../errors";
import { logger } from "../log";
import { advanceCommandHistory, insertCommandHistory } from "./history";
import { CommandTable, type CommandItem } from "./queue";
import type {
  CommandStatus,
  CommandType,
  DeliveredCommand,
  AGENT_COMMAND_STATUSES,
} from "./schemas";

export interface CommandSettings {
  /** How long a leased command stays invisible to other polls. */
  visibilityTimeoutMs: number;
  /** How long a command may wait for delivery before it expires. */
  deliveryDeadlineMs: number;
}

export interface CommandDeps {
  db: Database;
  dynamo: DynamoClient;
  commandsTable: string;
  commandSettings: CommandSettings;
  now?: () => number;
}

export interface EnqueuedCommand {
  command_id: string;
  type: CommandType;
  status: "queued";
  deliver_by: string;
}

const clock = (deps: CommandDeps) => (deps.now ?? Date.now)();
const table = (deps: CommandDeps) =>
  new CommandTable(deps.dynamo, deps.commandsTable);

/**
 * Queues a command for the project's VM. The history row is written first,
 * so the dashboard never misses a command the VM may receive.
 */
export async function enqueueCommand(
  deps: CommandDeps,
  command: {
    projectId: string;
    type: CommandType;
    payload?: Record<string, unknown>;
    createdBy: string | null;
  },
): Promise<EnqueuedCommand> {
  const now = clock(deps);
  const id = randomUUID();
  const deliverBy = now + deps.commandSettings.deliveryDeadlineMs;
  const payload = command.payload ?? {};
  await insertCommandHistory(deps.db, {
    id,
    projectId: command.projectId,
    type: command.type,
    payload,
    createdBy: command.createdBy,
    createdAt: now,
    deliverBy,
  });
  await putOrRecordFailure(deps, id, now, {
    project_id: command.projectId,
    command_id: id,
    type: command.type,
    payload,
    status: "queued",
    deliveries: 0,
    created_at: now,
    visible_at: now,
    deliver_by: deliverBy,
    expires_at: Math.ceil(deliverBy / 1000) + 7 * 24 * 3600,
  });
  const deliver_by = new Date(deliverBy).toISOString();
  return { command_id: id, type: command.type, status: "queued", deliver_by };
}

/** A change the `commands` history table must follow, in the same transaction as the rest of a report. */
export interface HistoryUpdate {
  id: string;
  status: CommandStatus;
  at: number;
  deliveries?: number;
  result?: string;
}

/** The project's queued and delivered commands, oldest first: one Query. */
export const listOpenCommands = (deps: CommandDeps, projectId: string) =>
  table(deps).listOpen(projectId);

/** Tells whether any open command can be leased or has to expire now. */
export function hasDueCommands(open: CommandItem[], now: number): boolean {
  return open.some((item) => item.deliver_by <= now || item.visible_at <= now);
}

/**
 * Leases up to `max` visible commands of `open` for the visibility timeout,
 * oldest first, and expires those past their delivery deadline. A command
 * whose lease lapses without a status report is delivered again. Only
 * DynamoDB is written; the caller records `history` in Postgres.
 */
export async function leaseCommands(
  deps: CommandDeps,
  open: CommandItem[],
  max: number,
): Promise<{ commands: DeliveredCommand[]; history: HistoryUpdate[] }> {
  const now = clock(deps);
  const queue = table(deps);
  const leaseEnd = now + deps.commandSettings.visibilityTimeoutMs;
  const commands: DeliveredCommand[] = [];
  const history: HistoryUpdate[] = [];
  for (const item of open) {
    if (item.deliver_by <= now) {
      const expired = await queue.expire(item, now);
      if (expired)
        history.push({ id: item.command_id, status: "expired", at: now });
      continue;
    }
    if (commands.length >= max || item.visible_at > now) continue;
    const won = await queue.lease(item, now, leaseEnd);
    if (!won) continue;
    const { deliveries } = won;
    history.push({
      id: won.command_id,
      status: "delivered",
      at: now,
      deliveries,
    });
    commands.push(toDelivered(won));
  }
  return { commands, history };
}

const ALLOWED_FROM: Record<
  (typeof AGENT_COMMAND_STATUSES)[number],
  CommandStatus[]
> = {
  running: ["delivered"],
  succeeded: ["delivered", "running"],
  failed: ["delivered", "running"],
};

/**
 * Moves a command in the queue to the agent's status. Repeating the current
 * status succeeds and changes nothing; any move backwards or out of a final
 * status is a 409. The caller records `history` in Postgres.
 */
export async function advanceCommand(
  deps: CommandDeps,
  projectId: string,
  report: {
    command_id: string;
    status: (typeof AGENT_COMMAND_STATUSES)[number];
    result?: string;
  },
): Promise<{
  result: { command_id: string; status: CommandStatus };
  history?: HistoryUpdate;
}> {
  const now = clock(deps);
  const queue = table(deps);
  const { command_id: id, status, result } = report;
  const from = ALLOWED_FROM[status];
  const moved = await queue.advance(projectId, id, status, from, now, result);
  if (!moved) {
    const item = await queue.get(projectId, id);
    return { result: unchangedStatus(item, report) };
  }
  logger.info(
    { project_id: projectId, command_id: id, status },
    "command status reported",
  );
  return {
    result: { command_id: id, status },
    history: { id, status, at: now, result },
  };
}

/** Marks the history row failed when the queue write fails, then rethrows. */
async function putOrRecordFailure(
  deps: CommandDeps,
  id: string,
  now: number,
  item: CommandItem,
): Promise<void> {
  try {
    await table(deps).put(item);
  } catch (error) {
    await advanceCommandHistory(deps.db, id, "failed", now, {
      result: "the command could not be queued",
    });
    throw error;
  }
}

function unchangedStatus(
  item: CommandItem | undefined,
  report: { command_id: string; status: CommandStatus },
) {
  if (!item) {
    throw notFound(`command ${report.command_id} not found for this project`);
  }
  if (item.status === report.status) {
    return { command_id: item.command_id, status: item.status };
  }
  const expected = ALLOWED_FROM[report.status as keyof typeof ALLOWED_FROM]
    .map((status) => `"${status}"`)
    .join(" or ");
  throw conflict(
    `command ${item.command_id} is "${item.status}"; "${report.status}" requires ${expected}`,
  );
}

function toDelivered(item: CommandItem): DeliveredCommand {
  return {
    command_id: item.command_id,
    type: item.type,
    payload: item.payload,
    status: item.status,
    deliveries: item.deliveries,
    created_at: new Date(item.created_at).toISOString(),
    lease_expires_at: new Date(item.visible_at).toISOString(),
    deliver_by: new Date(item.deliver_by).toISOString(),
  };
}
