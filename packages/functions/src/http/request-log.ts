import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { logger } from "@synthcore/core/log";
import type { GatewayEvent, GatewayHandler } from "./types";

/**
 * Wraps a gateway handler with one structured log line per request: ids,
 * route, status and latency. Headers and bodies are never logged.
 */
export function logRequests(
  name: string,
  handler: GatewayHandler,
): GatewayHandler {
  return async (event: APIGatewayProxyEventV2, context: Context) => {
    const started = performance.now();
    const result = await handler(event, context);
    const user = (event as GatewayEvent).user;
    logger.info(
      {
        gateway: name,
        request_id: event.requestContext.requestId,
        method: event.requestContext.http.method,
        path: event.rawPath,
        status: result.statusCode,
        latency_ms: Math.round((performance.now() - started) * 100) / 100,
        user_id: user?.id,
      },
      "request",
    );
    return result;
  };
}
