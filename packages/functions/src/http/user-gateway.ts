import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { ZodType } from "zod";
import type { UserVerifier } from "@synthcore/core/auth/jwt";
import type { RateLimiter } from "@synthcore/core/ratelimit/bucket";
import { knownAction } from "./actions";
import {
  cors,
  errorResponse,
  jsonBody,
  postOnly,
  rateLimit,
  userAuth,
  validate,
} from "./middleware";
import { logRequests } from "./request-log";
import { jsonResponse, type GatewayEvent, type GatewayHandler } from "./types";

/** The services of every gateway that dashboard users call with their JWT. */
export interface UserGatewayServices {
  verifier: UserVerifier;
  rateLimiter: RateLimiter;
  corsOrigins: readonly string[];
}

export interface UserGatewayOptions<R> {
  /** The gateway's name in logs and in its rate-limit keys. */
  name: string;
  actions: readonly string[];
  schema: ZodType<R>;
  run: (userId: string, request: R) => Promise<unknown>;
}

/**
 * Builds a gateway whose body's `action` picks the operation, with the
 * checks in the contract's order: 405, 401, 429 (a bucket per user and
 * gateway), 400 for the body, then whatever `run` checks.
 */
export function createUserGateway<R>(
  services: UserGatewayServices,
  options: UserGatewayOptions<R>,
): GatewayHandler {
  const handler = middy<
    GatewayEvent,
    ReturnType<typeof jsonResponse>,
    Error,
    Context
  >(async (event: GatewayEvent) => {
    const data = await options.run(event.user!.id, event.json as R);
    return jsonResponse(200, { success: true, data });
  })
    .use(cors(services.corsOrigins))
    .use(errorResponse())
    .use(postOnly())
    .use(userAuth(services.verifier))
    .use(
      rateLimit(
        services.rateLimiter,
        (event: GatewayEvent) => `${options.name}:user:${event.user!.id}`,
      ),
    )
    .use(jsonBody())
    .use(knownAction(options.actions))
    .use(validate(options.schema));
  return logRequests(options.name, handler as unknown as GatewayHandler);
}
