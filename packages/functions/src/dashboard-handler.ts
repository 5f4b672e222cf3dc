import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { UserVerifier } from "@synthcore/core/auth/jwt";
import { readForDashboard } from "@synthcore/core/dashboard/dashboard";
import {
  DASHBOARD_ACTIONS,
  DashboardRequest,
} from "@synthcore/core/dashboard/schemas";
import type { Database } from "@synthcore/core/db/pool";
import type { RateLimiter } from "@synthcore/core/ratelimit/bucket";
import { knownAction } from "./http/actions";
import {
  cors,
  errorResponse,
  jsonBody,
  postOnly,
  rateLimit,
  userAuth,
  validate,
} from "./http/middleware";
import { logRequests } from "./http/request-log";
import {
  jsonResponse,
  type GatewayEvent,
  type GatewayHandler,
} from "./http/types";

export interface DashboardServices {
  db: Database;
  verifier: UserVerifier;
  /** How long a VM may be silent before its health reads `unreachable`. */
  silentAfterMs?: number;
  /** A bucket of its own, so that polling never starves the VM API's. */
  rateLimiter: RateLimiter;
  corsOrigins: readonly string[];
}

/**
 * Builds the dashboard's read gateway, `POST /functions/v1/dashboard`. It
 * checks requests in the VM API's order and only reads.
 */
export function createDashboardHandler(
  services: DashboardServices,
): GatewayHandler {
  const handler = middy<
    GatewayEvent,
    ReturnType<typeof jsonResponse>,
    Error,
    Context
  >(async (event: GatewayEvent) => {
    const data = await readForDashboard(
      services.db,
      event.user!.id,
      event.json as DashboardRequest,
      services.silentAfterMs,
    );
    return jsonResponse(200, { success: true, data });
  })
    .use(cors(services.corsOrigins))
    .use(errorResponse())
    .use(postOnly())
    .use(userAuth(services.verifier))
    .use(
      rateLimit(
        services.rateLimiter,
        (event: GatewayEvent) => `dashboard:user:${event.user!.id}`,
      ),
    )
    .use(jsonBody())
    .use(knownAction(DASHBOARD_ACTIONS))
    .use(validate(DashboardRequest));
  return logRequests("dashboard", handler as unknown as GatewayHandler);
}
