import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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
import { expireOverdueCommands } from "@synthcore/core/commands/commands";
import { createDatabase, type Database } from "@synthcore/core/db/pool";
import { createDynamoClient } from "@synthcore/core/dynamo/client";
import { startDynalite } from "@synthcore/core/dynamo/local";
import {
  ensureTables,
  rateLimitTableDefinition,
} from "@synthcore/core/dynamo/tables";
import { InProcessQueue } from "@synthcore/core/lifecycle/jobs";
import { reconcile } from "@synthcore/core/lifecycle/reconciler";
import {
  pruneTelemetry,
  retentionSettingsFromEnv,
} from "@synthcore/core/telemetry/retention";
import { lifecycleSettingsFromConfig } from "@synthcore/core/lifecycle/settings";
import { runLifecycleJob } from "@synthcore/core/lifecycle/worker";
import { logger } from "@synthcore/core/log";
import { buildOpenApiDocument } from "@synthcore/core/openapi/document";
import { createTokenBucket } from "@synthcore/core/ratelimit/bucket";
import { reporterCustomData } from "@synthcore/core/reporter/tokens";
import { computeFromConfig } from "@synthcore/functions/runtime/compute";
import {
  commandSettingsFromConfig,
  silentAfterMsFromConfig,
} from "@synthcore/functions/runtime/services";
import { createDashboardHandler } from "@synthcore/functions/dashboard-handler";
import { createVmApiHandler } from "@synthcore/functions/vm-api-handler";
import { createVmReporterHandler } from "@synthcore/functions/vm-reporter-handler";
import { route } from "./router";
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
  /** The built dashboard to serve at `/`; packages/web/dist by default. */
  dashboardDir?: string;
}

export const DEFAULT_DASHBOARD_DIR = fileURLToPath(
  new URL("../../web/dist", import.meta.url),
);

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
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
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
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port, "127.0.0.1", done);
  }).catch(async (error: unknown) => {
    await db.close();
    await embedded?.close();
    await dynalite?.close();
    throw error;
  });
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
  const customData = reporterCustomData(db, () => config.PUBLIC_API_URL ?? url);
  const queue = new InProcessQueue(async (job) => {
    await runLifecycleJob({ db, compute }, job);
  });
  const settings = lifecycleSettingsFromConfig(config);
  const retention = retentionSettingsFromEnv();
  let prunedAt = 0;
  const reconcileNow = async () => {
    await reconcile({ db, compute, jobs: queue, settings, customData });
    await expireOverdueCommands(db, Date.now());
    // Retention runs once a minute, as in AWS, not on every local pass.
    if (Date.now() - prunedAt < 60_000) return;
    prunedAt = Date.now();
    await pruneTelemetry(db, retention);
  };

  const commands = {
    db,
    commandSettings: commandSettingsFromConfig(config),
  };
  const verifier = createSupabaseVerifier({
    issuer: issuerUrl,
    jwksUri: `${issuerUrl}/.well-known/jwks.json`,
  });
  const vmApi = createVmApiHandler({
    ...commands,
    silentAfterMs: silentAfterMsFromConfig(config),
    jobs: queue,
    lifecycle: settings,
    verifier,
    rateLimiter: createTokenBucket({
      client: dynamo,
      table: config.RATE_LIMIT_TABLE,
      capacity: config.VM_API_RATE_LIMIT,
    }),
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  });
  const vmReporter = createVmReporterHandler({
    ...commands,
    reportIntervalSeconds: config.REPORTER_INTERVAL_SECONDS,
    reporterRateLimit: { capacity: config.VM_REPORTER_RATE_LIMIT },
    asyncCommit: config.REPORTER_ASYNC_COMMIT,
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  });
  const dashboard = createDashboardHandler({
    db,
    verifier,
    silentAfterMs: silentAfterMsFromConfig(config),
    rateLimiter: createTokenBucket({
      client: dynamo,
      table: config.RATE_LIMIT_TABLE,
      capacity: config.DASHBOARD_RATE_LIMIT,
    }),
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  });
  const routes = {
    vmApi,
    vmReporter,
    dashboard,
    issuer,
    db,
    openApi: () => buildOpenApiDocument({ serverUrl: url }),
    dashboardDir: options.dashboardDir ?? DEFAULT_DASHBOARD_DIR,
  };
  server.on("request", (request, response) => {
    route(request, response, routes).catch((error: unknown) => {
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
      database: embedded ? "embedded" : "server",
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
