import type { IncomingMessage, ServerResponse } from "node:http";
import type { DevIssuer } from "@synthcore/core/auth/dev-issuer";
import type { GatewayHandler } from "@synthcore/functions/http/types";
import {
  lambdaContext,
  PayloadTooLargeError,
  readBody,
  toGatewayEvent,
  writeGatewayResult,
  type RouteMatch,
} from "./events";

export interface Routes {
  vmApi: GatewayHandler;
  vmReporter: GatewayHandler;
  issuer: DevIssuer;
  openApi: () => unknown;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const REPORTER_PREFIX = "/functions/v1/vm-reporter/";

/**
 * Routes a request as the HTTP API does: `ANY /functions/v1/vm-api`,
 * `ANY /functions/v1/vm-reporter/{route+}`, plus the dev issuer's JWKS and
 * the OpenAPI document, which only the local stack serves.
 */
export async function route(
  request: IncomingMessage,
  response: ServerResponse,
  routes: Routes,
): Promise<void> {
  const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;

  if (path === "/functions/v1/vm-api") {
    return invoke(request, response, routes.vmApi, {
      routeKey: "ANY /functions/v1/vm-api",
    });
  }
  if (
    path.startsWith(REPORTER_PREFIX) &&
    path.length > REPORTER_PREFIX.length
  ) {
    return invoke(request, response, routes.vmReporter, {
      routeKey: "ANY /functions/v1/vm-reporter/{route+}",
      pathParameters: { route: path.slice(REPORTER_PREFIX.length) },
    });
  }
  if (path === "/auth/v1/.well-known/jwks.json" && request.method === "GET") {
    return sendJson(response, 200, routes.issuer.jwks);
  }
  if (path === "/openapi.json" && request.method === "GET") {
    return sendJson(response, 200, routes.openApi());
  }
  sendJson(response, 404, { message: "Not Found" });
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
      return sendJson(response, 413, { message: "Request Entity Too Large" });
    throw error;
  }
  const event = toGatewayEvent(request, body, match);
  const functionName = match.routeKey.includes("vm-reporter")
    ? "vm-reporter"
    : "vm-api";
  const result = await handler(event, lambdaContext(functionName));
  writeGatewayResult(response, result, event.requestContext.requestId);
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
