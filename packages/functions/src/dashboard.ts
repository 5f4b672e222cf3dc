import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { getConfig } from "@synthcore/core/config";
import { createDashboardHandler } from "./dashboard-handler";
import { loadSecrets } from "./runtime/secrets";
import { dashboardServicesFromConfig } from "./runtime/services";
import type { GatewayHandler } from "./http/types";

let built: Promise<GatewayHandler> | undefined;

async function build(): Promise<GatewayHandler> {
  await loadSecrets();
  return createDashboardHandler(dashboardServicesFromConfig(getConfig()));
}

/** Lambda entry of `ANY /functions/v1/dashboard`; services are built on first use. */
export async function handler(event: APIGatewayProxyEventV2, context: Context) {
  built ??= build();
  return (await built)(event, context);
}
