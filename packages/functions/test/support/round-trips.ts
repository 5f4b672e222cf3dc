import { createDatabase, type Database } from "@synthcore/core/db/pool";
import type { DynamoClient } from "@synthcore/core/dynamo/client";
import { createTokenBucket } from "@synthcore/core/ratelimit/bucket";
import { createVmReporterHandler } from "../../src/vm-reporter-handler";
import type { GatewayHandler } from "../../src/http/types";
import type { VmApiHarness } from "./harness";

export interface RoundTrips {
  postgres: number;
  dynamo: number;
}

/**
 * A reporter handler whose Postgres connections and DynamoDB client count
 * every message they send: each query on any pooled connection and each
 * DynamoDB `send` is one round trip.
 */
export function countingReporter(api: VmApiHarness) {
  const counts: RoundTrips = { postgres: 0, dynamo: 0 };
  const db: Database = createDatabase({ url: api.database.url, max: 2 });
  db.pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: any[]) => any;
    client.query = ((...args: any[]) => {
      counts.postgres++;
      return query(...args);
    }) as typeof client.query;
  });
  const dynamo = countingClient(api.reporterServices.dynamo, counts);
  const handler: GatewayHandler = createVmReporterHandler({
    ...api.reporterServices,
    db,
    dynamo,
    rateLimiter: createTokenBucket({
      client: dynamo,
      table: "rate-limits",
      capacity: 1000,
      now: api.clock.now,
    }),
  });
  const reset = () => {
    counts.postgres = 0;
    counts.dynamo = 0;
  };
  return { handler, counts, reset, close: () => db.close() };
}

function countingClient(
  client: DynamoClient,
  counts: RoundTrips,
): DynamoClient {
  return new Proxy(client, {
    get(target, property) {
      if (property !== "send") return Reflect.get(target, property, target);
      return (command: any, ...rest: any[]) => {
        counts.dynamo++;
        return (target.send as any)(command, ...rest);
      };
    },
  });
}
