import { randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Database } from "../db/pool";
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
  dynamo: DynamoDBDocumentClient;
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

/**
 * Leases up to `max` visible commands for the visibility timeout, oldest
 * first, and expires those past their delivery deadline. A command whose
 * lease lapses without a status report is delivered again.
 */
export async function pollCommands(
  deps: CommandDeps,
  projectId: string,
  max: number,
): Promise<{ commands: DeliveredCommand[] }> {
  const now = clock(deps);
  const queue = table(deps);
  const leaseEnd = now + deps.commandSettings.visibilityTimeoutMs;
  const leased: DeliveredCommand[] = [];
  for (const item of await queue.listOpen(projectId)) {
    if (item.deliver_by <= now) {
      const expired = await queue.expire(item, now);
      if (expired)
        await advanceCommandHistory(deps.db, item.command_id, "expired", now);
      continue;
    }
    if (leased.length >= max || item.visible_at > now) continue;
    const won = await queue.lease(item, now, leaseEnd);
    if (!won) continue;
    await advanceCommandHistory(deps.db, won.command_id, "delivered", now, {
      deliveries: won.deliveries,
    });
    leased.push(toDelivered(won));
  }
  return { commands: leased };
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
 * Records the agent's status for a command. Repeating the current status
 * succeeds and changes nothing; any move backwards or out of a final
 * status is a 409.
 */
export async function reportCommandStatus(
  deps: CommandDeps,
  projectId: string,
  report: {
    command_id: string;
    status: (typeof AGENT_COMMAND_STATUSES)[number];
    result?: string;
  },
): Promise<{ command_id: string; status: CommandStatus }> {
  const now = clock(deps);
  const from = ALLOWED_FROM[report.status];
  const queue = table(deps);
  const moved = await queue.advance(
    projectId,
    report.command_id,
    report.status,
    from,
    now,
    report.result,
  );
  if (moved) {
    await advanceCommandHistory(
      deps.db,
      report.command_id,
      report.status,
      now,
      {
        result: report.result,
      },
    );
    logger.info(
      {
        project_id: projectId,
        command_id: report.command_id,
        status: report.status,
      },
      "command status reported",
    );
    return { command_id: report.command_id, status: report.status };
  }
  return unchangedStatus(await queue.get(projectId, report.command_id), report);
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
