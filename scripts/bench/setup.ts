import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import { startEmbeddedPostgres } from "@synthcore/core/db/embedded";
import { migrate } from "@synthcore/core/db/migrate";
import { createDatabase, type Database } from "@synthcore/core/db/pool";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import type { GatewayHandler } from "@synthcore/functions/http/types";
import { createVmReporterHandler } from "@synthcore/functions/vm-reporter-handler";
import {
  lambdaContext,
  readBody,
  toGatewayEvent,
  writeGatewayResult,
} from "@synthcore/local/events";

/**
 * The reporter's one engine: PostgreSQL at DATABASE_URL, or PGlite. Its
 * rate limit and command queue live in Postgres too.
 */
export async function startEngines() {
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres();
  const url = process.env.DATABASE_URL ?? embedded!.url;
  const db = createDatabase({ url, max: embedded ? 1 : 10 });
  await migrate(db);
  // Lambda's default (DATABASE_PREPARED_STATEMENTS=false): planned each time.
  const unprepared = createDatabase({
    url,
    max: embedded ? 1 : 10,
    preparedStatements: false,
  });
  // Every session commits without waiting for the WAL flush, for a bare
  // server as durable as the reporter's samples. PGlite ignores it.
  const asyncUrl = new URL(url);
  asyncUrl.searchParams.set("options", "-c synchronous_commit=off");
  const asynchronous = createDatabase({
    url: asyncUrl.toString(),
    max: embedded ? 1 : 10,
  });
  const engine = embedded ? "PGlite" : "PostgreSQL";
  const close = async () => {
    await db.close();
    await unprepared.close();
    await asynchronous.close();
    await embedded?.close();
  };
  return { db, unprepared, asynchronous, engine, close };
}

export type Engines = Awaited<ReturnType<typeof startEngines>>;

/** Creates a project with a reporter token, in its own organization. */
export async function benchProject(db: Database) {
  const { rows } = await db.query<{ id: string }>(
    `WITH org AS (INSERT INTO organizations (name) VALUES ('Bench') RETURNING id)
     INSERT INTO projects (organization_id, name, status, region, vm_size)
     SELECT id, 'bench', 'active', 'westeurope', 'Standard_D2s_v3' FROM org
     RETURNING id`,
  );
  const projectId = rows[0]!.id;
  return { projectId, token: await rotateReporterToken(db, projectId) };
}

/** Milliseconds spent waiting on Postgres, summed. */
export const io = { ms: 0 };

async function timed<T>(work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    io.ms += performance.now() - started;
  }
}

/** Wraps the engines so that every query's wait is added to `io.ms`. */
export function timedEngines(engines: Engines): Engines {
  const db: Database = {
    ...engines.db,
    pool: engines.db.pool,
    query: (text, params) => timed(() => engines.db.query(text, params)),
    queryPrepared: (text, params) =>
      timed(() => engines.db.queryPrepared(text, params)),
  };
  return { ...engines, db };
}

/**
 * Builds the reporter handler with a bucket no benchmark can empty. Its
 * samples (health, statistics, polls) commit asynchronously, as with the
 * default REPORTER_ASYNC_COMMIT=true, unless `asyncCommit` is false.
 */
export function benchHandler(
  engines: Engines,
  { asyncCommit = true } = {},
): GatewayHandler {
  return createVmReporterHandler({
    db: engines.db,
    asyncCommit,
    commandSettings: {
      visibilityTimeoutMs: 60_000,
      deliveryDeadlineMs: 3_600_000,
    },
    reporterRateLimit: { capacity: 1_000_000_000 },
    corsOrigins: [],
  });
}

/** Serves `handle` on 127.0.0.1 and returns its URL and a closer. */
export async function serve(
  handle: (request: any, response: any) => Promise<void>,
) {
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      response.statusCode = 500;
      response.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Serves the reporter behind node:http, as the local stack does. */
export function gatewayServer(handler: GatewayHandler) {
  return serve(async (request, response) => {
    const body = await readBody(request, 1024 * 1024);
    const url = new URL(request.url, "http://127.0.0.1");
    const route = url.pathname.replace("/functions/v1/vm-reporter/", "");
    const event = toGatewayEvent(request, body, {
      routeKey: "ANY /functions/v1/vm-reporter/{route+}",
      pathParameters: { route },
      url,
    });
    const result = await handler(event, lambdaContext("vm-reporter"));
    writeGatewayResult(response, result, event.requestContext.requestId);
  });
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** A request the load sends: its headers and its body. */
export interface LoadRequest {
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends POSTs from `connections` keep-alive connections for `seconds`,
 * to 127.0.0.1 only, cycling through `requests`, and stops by itself. The
 * client runs in a worker thread of its own (load-worker.mjs).
 */
export async function load(
  url: string,
  requests: LoadRequest[],
  options: { connections: number; seconds: number },
): Promise<LoadResult> {
  const worker = new Worker(new URL("./load-worker.mjs", import.meta.url), {
    workerData: { url, requests, ...options },
  });
  const { latencies, errors, elapsed } = await new Promise<{
    latencies: number[];
    errors: number;
    elapsed: number;
  }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  return {
    requests: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(
    sorted.length - 1,
    Math.ceil((p / 100) * sorted.length) - 1,
  );
  return sorted[Math.max(0, index)]!;
}
