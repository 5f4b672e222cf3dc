import { parseConfig } from "@synthcore/core/config";
import { logger } from "@synthcore/core/log";
import { parseLocalSettings } from "./settings";
import { startLocalStack } from "./stack";
import { readRunningStack } from "./stack-file";

const settings = parseLocalSettings();
const config = parseConfig();

const running = await readRunningStack(settings.SYNTHCORE_DATA_DIR);
if (running) {
  console.error(
    `A local stack (pid ${running.pid}) is already running on ${running.api_url} with data in ${settings.SYNTHCORE_DATA_DIR}. Stop it first, or set SYNTHCORE_DATA_DIR to another directory.`,
  );
  process.exit(1);
}

const stack = await startLocalStack({
  config,
  port: settings.PORT,
  dataDir: settings.SYNTHCORE_DATA_DIR,
  simDelayMs: settings.SYNTHCORE_SIM_DELAY_MS,
  reconcileIntervalMs: settings.SYNTHCORE_RECONCILE_INTERVAL_MS,
  azure: process.env.COMPUTE_PROVIDER === "azure",
});

console.log(`
Synthcore local stack is running on ${stack.url}

  VM API    POST ${stack.url}/functions/v1/vm-api
  JWKS      GET  ${stack.url}/auth/v1/.well-known/jwks.json
  Data      ${settings.SYNTHCORE_DATA_DIR}/ (${config.DATABASE_URL ? "Postgres from DATABASE_URL" : "PGlite"}), dynalite in memory
  Compute   ${stack.compute.name === "azure" ? "Azure" : `simulated, ${settings.SYNTHCORE_SIM_DELAY_MS} ms per VM operation`}

Get a token, in another terminal:

  npx synthcore org create --name "Acme" --owner you@example.com --json
  npx synthcore token user --email you@example.com

Then call the API with it:

  curl -s ${stack.url}/functions/v1/vm-api \\
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
    -d '{"action":"create","organization_id":"<organization_id>","name":"demo"}'

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
