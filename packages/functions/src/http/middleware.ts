import type { ZodType } from "zod";
import {
  ApiError,
  badRequest,
  methodNotAllowed,
  rateLimited,
  unauthorized,
} from "@synthcore/core/errors";
import type { UserVerifier } from "@synthcore/core/auth/jwt";
import type { RateLimiter } from "@synthcore/core/ratelimit/bucket";
import { logger } from "@synthcore/core/log";
import { describeZodError } from "./validation";
import {
  jsonResponse,
  type GatewayEvent,
  type GatewayMiddleware,
} from "./types";

// Hooks that do no I/O are plain functions: Middy awaits whatever a hook
// returns, and an async function would add a promise to every request.

const CORS_ALLOW_HEADERS =
  "authorization, content-type, x-project-id, x-client-info, apikey";
const CORS_MAX_AGE_SECONDS = "86400";

/**
 * Responds to preflights and adds CORS headers for origins on the allowlist.
 * Other origins get no CORS headers, so browsers block them.
 */
export function cors(allowedOrigins: readonly string[]): GatewayMiddleware {
  const allowed = new Set(allowedOrigins);
  const headersFor = (event: GatewayEvent): Record<string, string> => {
    const origin = event.headers?.origin;
    if (origin === undefined || !allowed.has(origin)) return {};
    return {
      "access-control-allow-origin": origin,
      "access-control-allow-headers": CORS_ALLOW_HEADERS,
      "access-control-allow-methods": "POST, OPTIONS",
      "access-control-max-age": CORS_MAX_AGE_SECONDS,
      vary: "Origin",
    };
  };
  const decorate: GatewayMiddleware["after"] = async (request) => {
    if (!request.response || request.event.headers?.origin === undefined) {
      return;
    }
    request.response.headers = {
      ...request.response.headers,
      ...headersFor(request.event),
    };
  };

  return {
    before: (request) => {
      if (request.event.requestContext.http.method !== "OPTIONS") return;
      return { statusCode: 204, headers: headersFor(request.event), body: "" };
    },
    after: decorate,
    onError: decorate,
  };
}

/** Rejects every method but POST with 405. */
export function postOnly(): GatewayMiddleware {
  return {
    before: (request) => {
      const method = request.event.requestContext.http.method;
      if (method !== "POST") throw methodNotAllowed(method);
    },
  };
}

export function bearerToken(event: GatewayEvent): string | undefined {
  const header = event.headers?.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** Verifies the Supabase JWT and puts the user on the event. */
export function userAuth(verifier: UserVerifier): GatewayMiddleware {
  return {
    before: async (request) => {
      const token = bearerToken(request.event);
      if (!token)
        throw unauthorized("missing bearer token in Authorization header");
      request.event.user = await verifier.verify(token);
    },
  };
}

/** Takes one token from the bucket of the key `keyOf` returns, or rejects the request with 429. */
export function rateLimit(
  limiter: RateLimiter,
  keyOf: (event: GatewayEvent) => string,
): GatewayMiddleware {
  return {
    before: async (request) => {
      const decision = await limiter.take(keyOf(request.event));
      if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
    },
  };
}

/** Parses the body as JSON, decoding base64 first when API Gateway encoded it. */
export function jsonBody(): GatewayMiddleware {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      const text =
        body === undefined
          ? ""
          : isBase64Encoded
            ? Buffer.from(body, "base64").toString("utf8")
            : body;
      if (text.trim() === "")
        throw badRequest("request body is empty; expected a JSON object");
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw badRequest("request body is not valid JSON");
      }
      // Only an escape can put such a character in parsed JSON, so most
      // bodies skip the walk.
      const path = UNSTORABLE_ESCAPE.test(text)
        ? unstorablePath(json)
        : undefined;
      if (path !== undefined) {
        throw badRequest(
          `${path || "request body"}: contains a NUL character or an unpaired surrogate, which PostgreSQL text cannot store`,
        );
      }
      request.event.json = json;
    },
  };
}

/** A JSON escape of NUL or of a surrogate half. */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;
/** NUL, or a surrogate half without its other half. */
const UNSTORABLE_CHARACTER =
  /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Returns the path of the first string, object keys included, that
 * PostgreSQL text and jsonb reject, or undefined when there is none.
 */
export function unstorablePath(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") {
    return UNSTORABLE_CHARACTER.test(value) ? path : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = path === "" ? key : `${path}.${key}`;
    if (UNSTORABLE_CHARACTER.test(key)) return at;
    const found = unstorablePath(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Validates the parsed body, rejecting it with a 400 that names the first
 * invalid field. */
export function validate(schema: ZodType): GatewayMiddleware {
  return {
    before: (request) => {
      const result = schema.safeParse(request.event.json);
      if (!result.success)
        throw badRequest(describeZodError(result.error, request.event.json));
      request.event.json = result.data;
    },
  };
}

/**
 * Turns an ApiError into `{"error": message}` with its status, and anything
 * else into a plain 500 whose cause goes only to the log.
 */
export function errorResponse(): GatewayMiddleware {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof ApiError) {
        request.response = jsonResponse(
          error.status,
          { error: error.message },
          error.headers,
        );
        return;
      }
      logger.error(
        { err: error, request_id: request.event.requestContext.requestId },
        "request failed",
      );
      request.response = jsonResponse(500, { error: "internal server error" });
    },
  };
}
