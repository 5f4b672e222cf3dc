import {
  ApiError,
  badRequest,
  notFound,
  payloadTooLarge,
} from "@synthcore/core/errors";
import type { Database } from "@synthcore/core/db/pool";
import { logger } from "@synthcore/core/log";
import { BATCH_ROUTE } from "@synthcore/core/reporter/batch";
import {
  correctReporterRequestLog,
  writeReporterRequestLog,
} from "@synthcore/core/reporter/request-log";
import {
  REPORTER_ROUTE_NAMES,
  isReporterRoute,
} from "@synthcore/core/reporter/routes";
import {
  reporterTokenHash,
  verifyReporterToken,
} from "@synthcore/core/reporter/tokens";
import { bearerToken } from "./middleware";
import type { GatewayEvent, GatewayMiddleware } from "./types";

const ROUTE_PREFIX = "/functions/v1/vm-reporter/";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Returns the route after the gateway path: `{route+}` in API Gateway. */
export function reporterRouteOf(event: GatewayEvent): string {
  const fromPath = event.rawPath.startsWith(ROUTE_PREFIX)
    ? event.rawPath.slice(ROUTE_PREFIX.length)
    : "";
  return (event.pathParameters?.route ?? fromPath).replace(/\/+$/, "");
}

/** Returns the X-Project-ID header, lowercased, when it contains a UUID. */
function projectIdOf(event: GatewayEvent): string | undefined {
  const header = event.headers?.["x-project-id"]?.trim();
  return header && UUID.test(header) ? header.toLowerCase() : undefined;
}

/**
 * Writes a `vm_reporter_request_log` row for every request whose
 * X-Project-ID names an existing project, whatever its status. Used first,
 * so its hooks run last and see the final response, errors included.
 */
export function reporterRequestLog(db: Database): GatewayMiddleware {
  const started = new WeakMap<object, number>();
  const write: GatewayMiddleware["after"] = async (request) => {
    const projectId = projectIdOf(request.event);
    const response = request.response;
    if (!projectId || !response) return;
    const status = response.statusCode ?? 200;
    const logId = request.event.reporter?.logId;
    try {
      if (logId !== undefined) {
        if (status === 200) return;
        const error = errorOf(response.body);
        await correctReporterRequestLog(db, logId, { status, error });
        return;
      }
      await writeReporterRequestLog(db, {
        projectId,
        route: reporterRouteOf(request.event),
        status,
        latencyMs: performance.now() - (started.get(request.event) ?? 0),
        error: errorOf(response.body),
      });
    } catch (error) {
      logger.error(
        { err: error, project_id: projectId },
        "writing the reporter request log failed",
      );
    }
  };
  return {
    before: async (request) => {
      started.set(request.event, performance.now());
    },
    after: write,
    onError: write,
  };
}

function errorOf(body: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(body ?? "") as { error?: unknown };
    return typeof parsed.error === "string" ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** Rejects a route the reporter does not have with 404. */
export function reporterRoute(): GatewayMiddleware {
  return {
    before: async (request) => {
      const route = reporterRouteOf(request.event);
      if (!isReporterRoute(route) && route !== BATCH_ROUTE) {
        const expected = [...REPORTER_ROUTE_NAMES, BATCH_ROUTE].join(", ");
        throw notFound(
          `unknown route "${route.slice(0, 100)}"; expected one of ${expected}`,
        );
      }
      request.event.reporter = { route, startedAt: performance.now() };
    },
  };
}

/** Requires an X-Project-ID header holding a UUID. */
export function projectHeader(): GatewayMiddleware {
  return {
    before: async (request) => {
      const header = request.event.headers?.["x-project-id"];
      if (header === undefined || header.trim() === "") {
        throw badRequest("missing X-Project-ID header");
      }
      const projectId = projectIdOf(request.event);
      if (!projectId) {
        throw badRequest(`X-Project-ID "${header.slice(0, 60)}" is not a UUID`);
      }
      request.event.reporter!.projectId = projectId;
    },
  };
}

/** Statuses the contract ranks below 401: the token decides first. */
const AFTER_AUTH = new Set([400, 413, 429]);

/**
 * Checks that the bearer token is well formed and keeps its hash; the
 * handler's first statement checks it against the database. A request
 * rejected before that statement (429, 413, 400) has its token checked on
 * its own first, so that a bad token still gets a 401.
 */
export function reporterAuth(
  db: Database,
  refund: (event: GatewayEvent) => Promise<void>,
): GatewayMiddleware {
  return {
    before: async (request) => {
      const reporter = request.event.reporter!;
      reporter.token = bearerToken(request.event);
      reporter.tokenHash = reporterTokenHash(reporter.token);
    },
    onError: async (request) => {
      const reporter = request.event.reporter;
      const error = request.error;
      if (!reporter?.tokenHash || !(error instanceof ApiError)) return;
      const tookToken = error.status !== 429;
      if (!reporter.verified && AFTER_AUTH.has(error.status)) {
        try {
          await verifyReporterToken(db, reporter.projectId!, reporter.token);
          reporter.verified = true;
        } catch (rejection) {
          request.error = rejection as Error;
        }
      }
      // A caller without a valid token must not drain the project's bucket.
      if (request.error instanceof ApiError && request.error.status === 401) {
        if (tookToken) await refundQuietly(refund, request.event);
      }
    },
  };
}

async function refundQuietly(
  refund: (event: GatewayEvent) => Promise<void>,
  event: GatewayEvent,
): Promise<void> {
  try {
    await refund(event);
  } catch (error) {
    logger.warn(
      { err: error, project_id: event.reporter?.projectId },
      "refunding a rate-limit token failed",
    );
  }
}

/** Rejects a body over `maxBytes` with 413 before it is parsed. */
export function bodyLimit(maxBytes: number): GatewayMiddleware {
  return {
    before: async (request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === undefined) return;
      const bytes = isBase64Encoded
        ? Buffer.from(body, "base64").length
        : Buffer.byteLength(body, "utf8");
      if (bytes > maxBytes) {
        throw payloadTooLarge(
          `request body is ${bytes} bytes; the limit is ${maxBytes}`,
        );
      }
    },
  };
}
