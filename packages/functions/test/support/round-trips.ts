import { createDatabase, type Database } from "@synthcore/core/db/pool";
import { createVmReporterHandler } from "../../src/vm-reporter-handler";
import type { GatewayHandler } from "../../src/http/types";
import type { VmApiHarness } from "./harness";

/**
 * A reporter handler whose Postgres connections count every query they
 * send: each query on any pooled connection is one round trip. The reporter
 * has no other network client.
 */
export function countingReporter(api: VmApiHarness) {
  const counts = { postgres: 0 };
  const db: Database = createDatabase({ url: api.database.url, max: 2 });
  db.pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: any[]) => any;
    client.query = ((...args: any[]) => {
      counts.postgres++;
      return query(...args);
    }) as typeof client.query;
  });
  const handler: GatewayHandler = createVmReporterHandler({
    ...api.reporterServices,
    db,
  });
  const reset = () => {
    counts.postgres = 0;
  };
  return { handler, counts, reset, close: () => db.close() };
}
