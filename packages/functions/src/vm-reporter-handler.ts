import middy from "@middy/core";
import type { Context } from "aws-lambda";
import {
  acknowledgeApproval,
  createApproval,
} from "@synthcore/core/approvals/approvals";
import {
  pollCommands,
  reportCommandStatus,
  type CommandDeps,
} from "@synthcore/core/commands/commands";
import { badRequest } from "@synthcore/core/errors";
import type { RateLimiter } from "@synthcore/core/ratelimit/bucket";
import {
  MAX_REPORTER_BODY_BYTES,
  REPORTER_ROUTES,
  type ReporterRoute,
} from "@synthcore/core/reporter/routes";
import * as telemetry from "@synthcore/core/telemetry/telemetry";
import {
  cors,
  errorResponse,
  jsonBody,
  postOnly,
  rateLimit,
} from "./http/middleware";
import {
  bodyLimit,
  projectHeader,
  reporterAuth,
  reporterRequestLog,
  reporterRoute,
} from "./http/reporter";
import { logRequests } from "./http/request-log";
import {
  jsonResponse,
  type GatewayEvent,
  type GatewayHandler,
  type GatewayMiddleware,
} from "./http/types";
import { describeZodError } from "./http/validation";

export interface VmReporterServices extends CommandDeps {
  rateLimiter: RateLimiter;
  corsOrigins: readonly string[];
}

type RouteHandler = (
  services: VmReporterServices,
  projectId: string,
  body: any,
) => Promise<unknown>;

const now = (services: VmReporterServices) => (services.now ?? Date.now)();

const HANDLERS: Record<ReporterRoute, RouteHandler> = {
  health: (s, project, body) => telemetry.recordHealth(s.db, project, body),
  messages: (s, project, body) => telemetry.recordMessages(s.db, project, body),
  audit: (s, project, body) => telemetry.recordAudit(s.db, project, body),
  conflicts: (s, project, body) =>
    telemetry.recordConflicts(s.db, project, body),
  "metrics/tasks": (s, project, body) =>
    telemetry.recordTaskMetrics(s.db, project, body),
  "metrics/productivity": (s, project, body) =>
    telemetry.recordProductivityMetrics(s.db, project, body),
  "metrics/cli-sessions": (s, project, body) =>
    telemetry.recordCliSessions(s.db, project, body),
  "commands/poll": (s, project, body) =>
    pollCommands(s, project, body.max_commands),
  "commands/status": (s, project, body) =>
    reportCommandStatus(s, project, body),
  approvals: (s, project, body) => createApproval(s.db, project, body, now(s)),
  "approvals/ack": (s, project, body) =>
    acknowledgeApproval(s.db, project, body, now(s)),
};

/**
 * Builds the VM Reporter handler for `POST /functions/v1/vm-reporter/<route>`.
 * The checks run in the contract's order: 405, 404, 400 for the project
 * header, 401, 429, then 413 and 400 for the body.
 */
export function createVmReporterHandler(
  services: VmReporterServices,
): GatewayHandler {
  const handler = middy<
    GatewayEvent,
    ReturnType<typeof jsonResponse>,
    Error,
    Context
  >(async (event: GatewayEvent) => {
    const { route, projectId } = event.reporter!;
    const run = HANDLERS[route as ReporterRoute];
    const data = await run(services, projectId!, event.json);
    return jsonResponse(200, { success: true, data });
  })
    .use(cors(services.corsOrigins))
    .use(reporterRequestLog(services.db))
    .use(errorResponse())
    .use(postOnly())
    .use(reporterRoute())
    .use(projectHeader())
    .use(reporterAuth(services.db))
    .use(
      rateLimit(
        services.rateLimiter,
        (event: GatewayEvent) =>
          `vm-reporter:project:${event.reporter!.projectId}`,
      ),
    )
    .use(bodyLimit(MAX_REPORTER_BODY_BYTES))
    .use(jsonBody())
    .use(validateRoute());
  return logRequests("vm-reporter", handler as unknown as GatewayHandler);
}

/** Validates the body against the route's schema, naming the first bad field. */
function validateRoute(): GatewayMiddleware {
  return {
    before: async (request) => {
      const route = request.event.reporter!.route as ReporterRoute;
      const schema = REPORTER_ROUTES[route].request;
      const result = schema.safeParse(request.event.json);
      if (!result.success)
        throw badRequest(describeZodError(result.error, request.event.json));
      request.event.json = result.data;
    },
  };
}
