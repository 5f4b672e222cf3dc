import { Config, Table, type StackContext } from "sst/constructs";

/** Key schema shared with packages/core/src/dynamo/tables.ts. */
export const RATE_LIMIT_KEY = "key";
export const RATE_LIMIT_TTL = "expires_at";

export function Data({ stack }: StackContext) {
  const databaseUrl = new Config.Secret(stack, "DATABASE_URL");

  // The per-user buckets of the VM API and the dashboard.
  const rateLimits = new Table(stack, "RateLimits", {
    fields: { [RATE_LIMIT_KEY]: "string" },
    primaryIndex: { partitionKey: RATE_LIMIT_KEY },
    timeToLiveAttribute: RATE_LIMIT_TTL,
    // SST's Table already sets PAY_PER_REQUEST and point-in-time recovery.
  });

  // The command queue and the VM Reporter's per-project rate limit are in
  // Postgres, where each reporter request is one statement.
  return { databaseUrl, rateLimits };
}
