import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  createDevIssuer,
  loadDevIssuer,
  type DevIssuer,
} from "@synthcore/core/auth/dev-issuer";
import { createSupabaseVerifier } from "@synthcore/core/auth/jwt";
import type { ComputeProvider } from "@synthcore/core/compute/provider";
import { SimulatedCompute } from "@synthcore/core/compute/simulated";
import type { Config } from "@synthcore/core/config";
import { startEmbeddedPostgres } from "@synthcore/core/db/embedded";
import { migrate } from "@synthcore/core/db/migrate";
import { createDatabase, type Database } from "@synthcore/core/db/pool";
import { createDynamoClient } from "@synthcore/core/dynamo/client";
import { startDynalite } from "@synthcore/core/dynamo/local";
import {
  ensureTables,
  rateLimitTableDefinition,
} from "@synthcore/core/dynamo/tables";
import { InProcessQueue } from "@synthcore/core/lifecycle/jobs";
import { reconcile } from "@synthcore/core/lifecycle/reconciler";
import { lifecycleSettingsFromConfig } from "@synthcore/core/lifecycle/settings";
import { runLifecycleJob } from "@synthcore/core/lifecycle/worker";
import { logger } from "@synthcore/core/log";
import { createTokenBucket } from "@synthcore/core/ratelimit/bucket";
import type { GatewayHandler } from "@synthcore/functions/http/types";
import { computeFromConfig } from "@synthcore/functions/runtime/compute";
import { createVmApiHandler } from "@synthcore/functions/vm-api-handler";
import {
  lambdaContext,
  PayloadTooLargeError,
  readBody,
  toGatewayEvent,
  writeGatewayResult,
  type RouteMatch,
} from "./events";
import { writeStackFile } from "./stack-file";

export interface LocalStackOptions {
  config: Config;
  port: number;
  /** Directory of the PGlite data, the dev issuer key and the stack file, or in memory when omitted. */
  dataDir?: string;
  simDelayMs: number;
  reconcileIntervalMs: number;
  /** Use Azure when COMPUTE_PROVIDER=azure is set explicitly; simulated otherwise. */
  azure?: boolean;
}

export interface LocalStack {
  url: string;
  db: Database;
  issuer: DevIssuer;
  compute: ComputeProvider;
  queue: InProcessQueue;
  /** Runs one reconciler pass now, as the minute timer would. */
  reconcileNow(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Starts the whole control plane in this process. It runs Postgres (PGlite,
 * or the server in DATABASE_URL), dynalite, the dev JWT issuer, and simulated
 * compute with the lifecycle worker and reconciler. Its HTTP server turns
 * requests into API Gateway events for the same handlers Lambda runs.
 */
export async function startLocalStack(
  options: LocalStackOptions,
): Promise<LocalStack> {
  const { config } = options;
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });

  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: dataDir && join(dataDir, "pgdata"),
      });
  const databaseUrl = config.DATABASE_URL ?? embedded!.url;
  const db = createDatabase({
    url: databaseUrl,
    max: embedded ? 4 : config.DATABASE_POOL_MAX,
  });
  await migrate(db);

  const dynalite = config.DYNAMODB_ENDPOINT ? undefined : await startDynalite();
  const dynamo = createDynamoClient({
    region: config.AWS_REGION,
    endpoint: config.DYNAMODB_ENDPOINT ?? dynalite!.endpoint,
  });
  await ensureTables(dynamo, [
    rateLimitTableDefinition(config.RATE_LIMIT_TABLE),
  ]);

  const server = createServer();
  await new Promise<void>((done) =>
    server.listen(options.port, "127.0.0.1", done),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const issuerUrl = `${url}/auth/v1`;
  const issuer = dataDir
    ? await loadDevIssuer(dataDir, issuerUrl)
    : (await import("@synthcore/core/auth/dev-issuer")).createDevIssuer(
        issuerUrl,
      );

  const compute: ComputeProvider =
    config.COMPUTE_PROVIDER === "azure" && options.azure
      ? await computeFromConfig(config)
      : new SimulatedCompute({ delayMs: options.simDelayMs });
  const customData = async (project: { id: string }) => ({
    SYNTHCORE_API_URL: config.PUBLIC_API_URL ?? url,
    SYNTHCORE_PROJECT_ID: project.id,
  });
  const queue = new InProcessQueue(async (job) => {
    await runLifecycleJob({ db, compute, customData }, job);
  });
  const settings = lifecycleSettingsFromConfig(config);
  const reconcileNow = async () => {
    await reconcile({ db, compute, jobs: queue, settings });
  };

  const vmApi = createVmApiHandler({
    db,
    jobs: queue,
    lifecycle: settings,
    verifier: createSupabaseVerifier({
      issuer: issuerUrl,
      jwksUri: `${issuerUrl}/.well-known/jwks.json`,
    }),
    rateLimiter: createTokenBucket({
      client: dynamo,
      table: config.RATE_LIMIT_TABLE,
      capacity: config.VM_API_RATE_LIMIT,
    }),
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  });
  server.on("request", (request, response) => {
    route(request, response, { vmApi, issuer }).catch((error: unknown) => {
      logger.error({ err: error, path: request.url }, "local request failed");
      if (!response.headersSent)
        response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "internal server error" }));
    });
  });

  const timer = setInterval(() => {
    reconcileNow().catch((error: unknown) =>
      logger.error({ err: error }, "reconcile failed"),
    );
  }, options.reconcileIntervalMs);
  timer.unref();

  if (dataDir)
    await writeStackFile(dataDir, {
      pid: process.pid,
      api_url: url,
      database_url: embedded ? databaseUrl : undefined,
    });

  return {
    url,
    db,
    issuer,
    compute,
    queue,
    reconcileNow,
    async close() {
      clearInterval(timer);
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await queue.drain();
      await db.close();
      await embedded?.close();
      await dynalite?.close();
      if (dataDir) await rm(join(dataDir, "stack.json"), { force: true });
    },
  };
}

interface Routes {
  vmApi: GatewayHandler;
  issuer: DevIssuer;
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  routes: Routes,
): Promise<void> {
  const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;

  if (path === "/functions/v1/vm-api") {
    return invoke(
      request,
      response,
      routes.vmApi,
      { routeKey: "ANY /functions/v1/vm-api" },
      "vm-api",
    );
  }
  if (path === "/auth/v1/.well-known/jwks.json" && request.method === "GET") {
    return sendJson(response, 200, routes.issuer.jwks);
  }
  sendJson(response, 404, { message: "Not Found" });
}

async function invoke(
  request: IncomingMessage,
  response: ServerResponse,
  handler: GatewayHandler,
  match: RouteMatch,
  functionName: string,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof PayloadTooLargeError)
      return sendJson(response, 413, { message: "Request Entity Too Large" });
    throw error;
  }
  const event = toGatewayEvent(request, body, match);
  const result = await handler(event, lambdaContext(functionName));
  writeGatewayResult(response, result, event.requestContext.requestId);
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
