import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { getConfig } from "@synthcore/core/config";
import { vmApiServicesFromConfig } from "./runtime/services";
import { createVmApiHandler } from "./vm-api-handler";
import type { GatewayHandler } from "./http/types";

let built: GatewayHandler | undefined;

/** Lambda entry of `ANY /functions/v1/vm-api`; services are built on first use. */
export async function handler(event: APIGatewayProxyEventV2, context: Context) {
  built ??= createVmApiHandler(vmApiServicesFromConfig(getConfig()));
  return built(event, context);
}
