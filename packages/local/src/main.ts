import { ConfigError, parseConfig } from "@synthcore/core/config";
import { logger } from "@synthcore/core/log";
import { ensureDashboardBuilt } from "./dashboard-build";
import { parseLocalSettings } from "./settings";
import { startLocalStack } from "./stack";
import { readRunningStack } from "./stack-file";

/** Prints a start-up failure as one line and exits; the stack trace adds nothing. */
function exitWith(message: string): never {
  console.error(`synthcore: ${message}`);
  process.exit(1);
}

let settings: ReturnType<typeof parseLocalSettings>;
let config: ReturnType<typeof parseConfig>;
try {
  settings = parseLocalSettings();
  config = parseConfig();
} catch (error) {
  if (error instanceof ConfigError) exitWith(error.message);
  throw error;
}

const running = await readRunningStack(settings.SYNTHCORE_DATA_DIR);
if (running) {
  console.error(
    `A local stack (pid ${running.pid}) is already running on ${running.api_url} with data in ${settings.SYNTHCORE_DATA_DIR}. Stop it first, or set SYNTHCORE_DATA_DIR to another directory.`,
  );
  process.exit(1);
}

if (settings.SYNTHCORE_DASHBOARD_BUILD) {
  console.log("Checking the dashboard build (packages/web/dist)...");
  await ensureDashboardBuilt().catch((error: Error) =>
    exitWith(
      `building the dashboard failed: ${error.message}. Fix it, or set SYNTHCORE_DASHBOARD_BUILD=false to start without it.`,
    ),
  );
}

const stack = await startLocalStack({
  config,
  port: settings.PORT,
  dataDir: settings.SYNTHCORE_DATA_DIR,
  simDelayMs: settings.SYNTHCORE_SIM_DELAY_MS,
  reconcileIntervalMs: settings.SYNTHCORE_RECONCILE_INTERVAL_MS,
  azure: process.env.COMPUTE_PROVIDER === "azure",
}).catch((error: NodeJS.ErrnoException) => {
  if (error.code === "EADDRINUSE") {
    exitWith(
      `port ${settings.PORT} on 127.0.0.1 is in use; stop what listens there or set PORT to another port`,
    );
  }
  if (error instanceof ConfigError) exitWith(error.message);
  throw error;
});

console.log(`
Synthcore local stack is running on ${stack.url}

  Dashboard GET  ${stack.url}/
  VM API    POST ${stack.url}/functions/v1/vm-api
  Reporter  POST ${stack.url}/functions/v1/vm-reporter/<route>
  OpenAPI   GET  ${stack.url}/openapi.json
  JWKS      GET  ${stack.url}/auth/v1/.well-known/jwks.json
  Data      ${settings.SYNTHCORE_DATA_DIR}/ (${config.DATABASE_URL ? "Postgres from DATABASE_URL" : "PGlite"}), dynalite in memory
  Compute   ${stack.compute.name === "azure" ? "Azure" : `simulated, ${settings.SYNTHCORE_SIM_DELAY_MS} ms per VM operation`}

Seed a user, then sign in to the dashboard as that user. Or get a token,
in another terminal${config.DATABASE_URL ? ", with the same DATABASE_URL set" : ""}:

  npx synthcore org create --name "Acme" --owner you@example.com --json
  npx synthcore token user --email you@example.com

Then call the API with it:

  curl -s ${stack.url}/functions/v1/vm-api \\
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
    -d '{"action":"create","organization_id":"<organization_id>","name":"demo"}'

Run a simulated VM agent for a project (its VM is active after a few seconds):

  export SYNTHCORE_REPORTER_TOKEN=$(npx synthcore token reporter --project <project_id>)
  npx synthcore agent --project <project_id> --interval 5

Press Ctrl+C to stop.
`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping local stack");
  await stack.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
