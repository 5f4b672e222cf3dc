import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { getConfig } from "@synthcore/core/config";
import { loadSecrets } from "./runtime/secrets";
import { vmApiServicesFromConfig } from "./runtime/services";
import { createVmApiHandler } from "./vm-api-handler";
import type { GatewayHandler } from "./http/types";

let built: Promise<GatewayHandler> | undefined;

async function build(): Promise<GatewayHandler> {
  await loadSecrets();
  return createVmApiHandler(vmApiServicesFromConfig(getConfig()));
}

/** Lambda entry of `ANY /functions/v1/vm-api`; services are built on first use. */
export async function handler(event: APIGatewayProxyEventV2, context: Context) {
  built ??= build();
  return (await built)(event, context);
}
