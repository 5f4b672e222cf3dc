import type { IncomingMessage, ServerResponse } from "node:http";
import type { DevIssuer } from "@synthcore/core/auth/dev-issuer";
import type { Queryable } from "@synthcore/core/db/pool";
import type { GatewayHandler } from "@synthcore/functions/http/types";
import {
  apiGatewayRequestId,
  lambdaContext,
  PayloadTooLargeError,
  readBody,
  toGatewayEvent,
  writeGatewayResult,
  type RouteMatch,
} from "./events";
import { serveDevAuth } from "./dev-auth";
import { serveDashboard } from "./static";

export interface Routes {
  vmApi: GatewayHandler;
  vmReporter: GatewayHandler;
  dashboard: GatewayHandler;
  issuer: DevIssuer;
  db: Queryable;
  openApi: () => unknown;
  /** The built dashboard, served at every path no other route takes. */
  dashboardDir?: string;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const REPORTER_PREFIX = "/functions/v1/vm-reporter/";

/**
 * Routes a request as the HTTP API does: `ANY /functions/v1/vm-api`,
 * `ANY /functions/v1/vm-reporter/{route+}`, `ANY /functions/v1/dashboard`,
 * plus what only the local stack serves: the dev issuer's JWKS and sign-in,
 * the OpenAPI document and the built dashboard.
 */
export async function route(
  request: IncomingMessage,
  response: ServerResponse,
  routes: Routes,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const path = url.pathname;

  if (path === "/functions/v1/vm-api") {
    return invoke(request, response, routes.vmApi, {
      routeKey: "ANY /functions/v1/vm-api",
      url,
    });
  }
  if (path === "/functions/v1/dashboard") {
    return invoke(request, response, routes.dashboard, {
      routeKey: "ANY /functions/v1/dashboard",
      url,
    });
  }
  if (
    path.startsWith(REPORTER_PREFIX) &&
    path.length > REPORTER_PREFIX.length
  ) {
    return invoke(request, response, routes.vmReporter, {
      routeKey: "ANY /functions/v1/vm-reporter/{route+}",
      pathParameters: { route: path.slice(REPORTER_PREFIX.length) },
      url,
    });
  }
  if (path === "/auth/v1/.well-known/jwks.json" && request.method === "GET") {
    return sendJson(response, 200, routes.issuer.jwks);
  }
  if (path === "/openapi.json" && request.method === "GET") {
    return sendJson(response, 200, routes.openApi());
  }
  if (await serveDevAuth(request, response, path, routes)) return;
  if (
    routes.dashboardDir &&
    !path.startsWith("/functions/") &&
    !path.startsWith("/auth/") &&
    (await serveDashboard(request, response, path, routes.dashboardDir))
  )
    return;
  sendGatewayError(response, 404, "Not Found");
}

async function invoke(
  request: IncomingMessage,
  response: ServerResponse,
  handler: GatewayHandler,
  match: RouteMatch,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof PayloadTooLargeError)
      return sendGatewayError(response, 413, "Request Entity Too Large");
    throw error;
  }
  const event = toGatewayEvent(request, body, match);
  // "ANY /functions/v1/<name>/..." runs the function <name>.
  const functionName = match.routeKey.split("/")[3]!;
  const result = await handler(event, lambdaContext(functionName));
  writeGatewayResult(response, result, event.requestContext.requestId);
}

/** Sends an error of API Gateway itself, with a request id as on every API Gateway response. */
function sendGatewayError(
  response: ServerResponse,
  status: number,
  message: string,
): void {
  response.setHeader("apigw-requestid", apiGatewayRequestId());
  sendJson(response, status, { message });
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
