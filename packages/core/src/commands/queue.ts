import { isAwsError } from "../aws/json-client";
import type { DynamoClient } from "../dynamo/client";
import {
  COMMANDS_PARTITION_KEY,
  COMMANDS_SORT_KEY,
  COMMANDS_TTL_ATTRIBUTE,
} from "../dynamo/tables";
import type { CommandStatus, CommandType } from "./schemas";

/** A command item in DynamoDB. Times are epoch milliseconds. */
export interface CommandItem {
  project_id: string;
  command_id: string;
  type: CommandType;
  payload: Record<string, unknown>;
  status: CommandStatus;
  deliveries: number;
  created_at: number;
  /** The command may be leased when this time has passed. */
  visible_at: number;
  deliver_by: number;
  result?: string;
  /** Epoch seconds after which DynamoDB may drop the item. */
  expires_at: number;
}

/** Final commands stay this long for the agent's duplicate checks. */
const RETAIN_SECONDS = 7 * 24 * 3600;

const NAMES = { "#status": "status", "#expires": COMMANDS_TTL_ATTRIBUTE };

/**
 * The DynamoDB side of the command queue. Every state change is one
 * conditional UpdateItem, so two pollers cannot lease the same command and
 * a status never moves backwards. No transactions: dynalite has none.
 */
export class CommandTable {
  constructor(
    private readonly client: DynamoClient,
    private readonly table: string,
  ) {}

  async put(item: CommandItem): Promise<void> {
    await this.client.put({
      TableName: this.table,
      Item: { ...item },
      ConditionExpression: `attribute_not_exists(${COMMANDS_SORT_KEY})`,
    });
  }

  async get(projectId: string, commandId: string) {
    const item = await this.client.get({
      TableName: this.table,
      Key: this.key(projectId, commandId),
      ConsistentRead: true,
    });
    return item as CommandItem | undefined;
  }

  /** Lists the project's queued and delivered commands, oldest first. */
  async listOpen(projectId: string): Promise<CommandItem[]> {
    const items: CommandItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.query({
        TableName: this.table,
        KeyConditionExpression: `${COMMANDS_PARTITION_KEY} = :project`,
        FilterExpression: "#status IN (:queued, :delivered)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":project": projectId,
          ":queued": "queued",
          ":delivered": "delivered",
        },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      });
      items.push(...(page.Items as unknown as CommandItem[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => a.created_at - b.created_at);
  }

  /** Leases a visible, undelivered-or-lapsed command until `leaseEnd`. */
  lease(item: CommandItem, now: number, leaseEnd: number) {
    return this.update(
      item,
      "SET #status = :delivered, visible_at = :lease_end, deliveries = deliveries + :one",
      "#status IN (:queued, :delivered) AND visible_at <= :now AND deliver_by > :now",
      {
        ":delivered": "delivered",
        ":queued": "queued",
        ":lease_end": leaseEnd,
        ":one": 1,
        ":now": now,
      },
    );
  }

  /** Moves a command that missed its delivery deadline to `expired`. */
  expire(item: CommandItem, now: number) {
    return this.update(
      item,
      "SET #status = :expired, #expires = :retain",
      "#status IN (:queued, :delivered) AND deliver_by <= :now",
      {
        ":expired": "expired",
        ":queued": "queued",
        ":delivered": "delivered",
        ":now": now,
        ":retain": Math.ceil(now / 1000) + RETAIN_SECONDS,
      },
    );
  }

  /** Sets `to` when the command is in one of `from`; returns the new item. */
  advance(
    projectId: string,
    commandId: string,
    to: CommandStatus,
    from: readonly CommandStatus[],
    now: number,
    result?: string,
  ) {
    const allowed = from.map((_, index) => `:from${index}`);
    const values: Record<string, unknown> = {
      ":to": to,
      ":result": result ?? null,
    };
    from.forEach((status, index) => (values[`:from${index}`] = status));
    values[":retain"] = Math.ceil(now / 1000) + RETAIN_SECONDS;
    return this.update(
      { project_id: projectId, command_id: commandId },
      "SET #status = :to, #result = :result, #expires = :retain",
      `attribute_exists(${COMMANDS_SORT_KEY}) AND #status IN (${allowed.join(", ")})`,
      values,
      { "#result": "result" },
    );
  }

  private async update(
    item: Pick<CommandItem, "project_id" | "command_id">,
    expression: string,
    condition: string,
    values: Record<string, unknown>,
    names: Record<string, string> = {},
  ): Promise<CommandItem | undefined> {
    try {
      const attributes = await this.client.update({
        TableName: this.table,
        Key: this.key(item.project_id, item.command_id),
        UpdateExpression: expression,
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          ...pick(NAMES, expression + condition),
          ...names,
        },
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      });
      return attributes as CommandItem | undefined;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return undefined;
      throw error;
    }
  }

  private key(projectId: string, commandId: string) {
    return {
      [COMMANDS_PARTITION_KEY]: projectId,
      [COMMANDS_SORT_KEY]: commandId,
    };
  }
}

/** DynamoDB rejects names an expression does not use, so pass only those. */
function pick(names: Record<string, string>, expression: string) {
  return Object.fromEntries(
    Object.entries(names).filter(([name]) => expression.includes(name)),
  );
}
