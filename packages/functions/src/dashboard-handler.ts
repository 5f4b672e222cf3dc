import { readForDashboard } from "@synthcore/core/dashboard/dashboard";
import {
  DASHBOARD_ACTIONS,
  DashboardRequest,
} from "@synthcore/core/dashboard/schemas";
import type { Database } from "@synthcore/core/db/pool";
import type { GatewayHandler } from "./http/types";
import {
  createUserGateway,
  type UserGatewayServices,
} from "./http/user-gateway";

/**
 * The dashboard's services. Its `rateLimiter` keys are its own, so that
 * polling never starves the VM API's bucket.
 */
export interface DashboardServices extends UserGatewayServices {
  db: Database;
  /** How long a VM may be silent before its health reads `unreachable`. */
  silentAfterMs?: number;
}

/**
 * Builds the dashboard's read gateway, `POST /functions/v1/dashboard`. It
 * checks requests in the VM API's order and only reads.
 */
export function createDashboardHandler(
  services: DashboardServices,
): GatewayHandler {
  return createUserGateway<DashboardRequest>(services, {
    name: "dashboard",
    actions: DASHBOARD_ACTIONS,
    schema: DashboardRequest,
    run: (userId, request) =>
      readForDashboard(services.db, userId, request, services.silentAfterMs),
  });
}
