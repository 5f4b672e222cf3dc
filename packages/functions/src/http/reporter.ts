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
import { checkAccess } from "@synthcore/core/reporter/access";
import { reporterTokenHash } from "@synthcore/core/reporter/tokens";
import type { RateLimit } from "@synthcore/core/ratelimit/statement";
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
    const response = request.response;
    if (!response) return;
    const status = response.statusCode ?? 200;
    const logId = request.event.reporter?.logId;
    // The report's own statement logged it as a success.
    if (logId !== undefined && status === 200) return;
    const projectId = projectIdOf(request.event);
    if (!projectId) return;
    try {
      if (logId !== undefined) {
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
    before: (request) => {
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
    before: (request) => {
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
    before: (request) => {
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

/** Statuses the contract ranks below 401 and 429: access decides first. */
const AFTER_ACCESS = new Set([400, 413]);

/**
 * Checks that the bearer token is well formed and keeps its hash; the
 * handler's one statement checks it against the database and takes the
 * rate-limit token. A request whose body is rejected (413, 400) before that
 * statement runs the same two checks in a statement of their own first, so
 * that it still gets the contract's 401 or 429.
 */
export function reporterAuth(
  db: Database,
  limit: RateLimit,
  now: () => number,
): GatewayMiddleware {
  return {
    before: (request) => {
      const reporter = request.event.reporter!;
      reporter.tokenHash = reporterTokenHash(bearerToken(request.event));
    },
    onError: async (request) => {
      const reporter = request.event.reporter;
      const error = request.error;
      if (!reporter?.tokenHash || reporter.checked) return;
      if (!(error instanceof ApiError) || !AFTER_ACCESS.has(error.status)) {
        return;
      }
      reporter.checked = true;
      try {
        const caller = {
          projectId: reporter.projectId!,
          tokenHash: reporter.tokenHash,
        };
        await checkAccess(db, caller, now(), limit);
      } catch (rejection) {
        request.error = rejection as Error;
      }
    },
  };
}

/** Rejects a body over `maxBytes` with 413 before it is parsed. */
export function bodyLimit(maxBytes: number): GatewayMiddleware {
  return {
    before: (request) => {
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
