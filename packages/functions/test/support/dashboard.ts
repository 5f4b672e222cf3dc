import { createTokenBucket } from "@synthcore/core/ratelimit/bucket";
import { createDashboardHandler } from "../../src/dashboard-handler";
import type { GatewayHandler } from "../../src/http/types";
import { gatewayEvent, lambdaContext, type EventOptions } from "./events";
import type { Response, VmApiHarness } from "./harness";

export const DASHBOARD_PATH = "/functions/v1/dashboard";

/** Builds the dashboard handler over the harness's database and JWKS. */
export function dashboardHandler(
  api: VmApiHarness,
  rateLimit = 1000,
): GatewayHandler {
  return createDashboardHandler({
    db: api.db,
    verifier: api.services.verifier,
    rateLimiter: createTokenBucket({
      client: api.rateLimits,
      table: "rate-limits",
      capacity: rateLimit,
    }),
    corsOrigins: api.services.corsOrigins,
  });
}

/** Calls `POST /functions/v1/dashboard` with a real API Gateway v2 event. */
export async function callDashboard(
  handler: GatewayHandler,
  body: unknown,
  options: EventOptions & { token?: string } = {},
): Promise<Response> {
  const headers = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const event = gatewayEvent({
    ...options,
    path: DASHBOARD_PATH,
    headers,
    body,
  });
  const result = await handler(event, lambdaContext());
  const text = result.body ?? "";
  return {
    status: result.statusCode ?? 200,
    headers: Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]),
    ),
    body: text === "" ? {} : JSON.parse(text),
  };
}
