import { Config, Table, type StackContext } from "sst/constructs";

/** Key schema shared with packages/core/src/dynamo/tables.ts. */
export const RATE_LIMIT_KEY = "key";
export const RATE_LIMIT_TTL = "expires_at";

/** Key schema of the command queue, shared with packages/core/src/dynamo/tables.ts. */
export const COMMANDS_PARTITION_KEY = "project_id";
export const COMMANDS_SORT_KEY = "command_id";
export const COMMANDS_TTL = "expires_at";

export function Data({ stack }: StackContext) {
  const databaseUrl = new Config.Secret(stack, "DATABASE_URL");

  const rateLimits = new Table(stack, "RateLimits", {
    fields: { [RATE_LIMIT_KEY]: "string" },
    primaryIndex: { partitionKey: RATE_LIMIT_KEY },
    timeToLiveAttribute: RATE_LIMIT_TTL,
    // SST's Table already sets PAY_PER_REQUEST and point-in-time recovery.
  });

  // The VM command queue: one partition per project. Final commands are
  // dropped by TTL a week after their last change.
  const commands = new Table(stack, "Commands", {
    fields: {
      [COMMANDS_PARTITION_KEY]: "string",
      [COMMANDS_SORT_KEY]: "string",
    },
    primaryIndex: {
      partitionKey: COMMANDS_PARTITION_KEY,
      sortKey: COMMANDS_SORT_KEY,
    },
    timeToLiveAttribute: COMMANDS_TTL,
  });

  return { databaseUrl, rateLimits, commands };
}
