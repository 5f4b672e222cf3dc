import type { MiddlewareObj } from "@middy/core";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import type { AuthenticatedUser } from "@synthcore/core/auth/jwt";

/**
 * An API Gateway v2 event plus what the middleware learned about it: the
 * verified caller and the parsed body.
 */
export type GatewayEvent = APIGatewayProxyEventV2 & {
  user?: AuthenticatedUser;
  json?: unknown;
  /** The VM Reporter's route and the project the request names. */
  reporter?: ReporterContext;
};

export interface ReporterContext {
  route: string;
  /** The performance.now() time the route was read at, for the log's latency. */
  startedAt: number;
  projectId?: string;
  /** The token's SHA-256, set once the token is well formed. */
  tokenHash?: Buffer;
  /** True once a statement checked the token and the rate limit. */
  checked?: boolean;
  /** The request-log row the handler's write added. */
  logId?: number;
}

export type GatewayResult = APIGatewayProxyStructuredResultV2;

export type GatewayMiddleware = MiddlewareObj<
  GatewayEvent,
  GatewayResult,
  Error,
  Context
>;

export type GatewayHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<GatewayResult>;

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): GatewayResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}
