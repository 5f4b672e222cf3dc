import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { getConfig } from "@synthcore/core/config";
import { loadSecrets } from "./runtime/secrets";
import { vmReporterServicesFromConfig } from "./runtime/services";
import { createVmReporterHandler } from "./vm-reporter-handler";
import type { GatewayHandler } from "./http/types";

let built: Promise<GatewayHandler> | undefined;

async function build(): Promise<GatewayHandler> {
  await loadSecrets();
  return createVmReporterHandler(vmReporterServicesFromConfig(getConfig()));
}

/**
 * Lambda entry of `ANY /functions/v1/vm-reporter/{route+}`; services are
 * built on first use.
 */
export async function handler(event: APIGatewayProxyEventV2, context: Context) {
  built ??= build();
  return (await built)(event, context);
}
