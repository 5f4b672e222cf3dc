import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { ApiError, badRequest } from "@synthcore/core/errors";
import type { ReportCaller } from "@synthcore/core/reporter/access";
import {
  BATCH_ROUTE,
  BatchRequest,
  type BatchResult,
  type ParsedBatchItem,
} from "@synthcore/core/reporter/batch";
import {
  applyReport,
  type Report,
  type ReportDeps,
} from "@synthcore/core/reporter/ingest";
import {
  MAX_REPORTER_BODY_BYTES,
  REPORTER_ROUTES,
  type ReporterRoute,
} from "@synthcore/core/reporter/routes";
import { cors, errorResponse, jsonBody, postOnly } from "./http/middleware";
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

export interface VmReporterServices extends ReportDeps {
  corsOrigins: readonly string[];
  /** The report interval the batch route hands to agents; 60 by default. */
  reportIntervalSeconds?: number;
}

const DEFAULT_INTERVAL_SECONDS = 60;

/**
 * Builds the VM Reporter handler for `POST /functions/v1/vm-reporter/<route>`.
 * The checks run in the contract's order: 405, 404, 400 for the project
 * header, 401, 429, then 413 and 400 for the body. The token check and the
 * rate limit are part of the report's one statement.
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
    const data =
      event.reporter!.route === BATCH_ROUTE
        ? await runBatch(services, event)
        : await runRoute(services, event);
    return jsonResponse(200, { success: true, data });
  })
    .use(cors(services.corsOrigins))
    .use(reporterRequestLog(services.db))
    .use(errorResponse())
    .use(postOnly())
    .use(reporterRoute())
    .use(projectHeader())
    .use(
      reporterAuth(
        services.db,
        services.reporterRateLimit,
        services.now ?? Date.now,
      ),
    )
    .use(bodyLimit(MAX_REPORTER_BODY_BYTES))
    .use(jsonBody())
    .use(validateRoute());
  return logRequests("vm-reporter", handler as unknown as GatewayHandler);
}

/** Runs the report and marks access checked and the request logged. */
async function run(
  services: VmReporterServices,
  event: GatewayEvent,
  report: Omit<Report, "elapsedMs">,
) {
  const reporter = event.reporter!;
  const caller: ReportCaller = {
    projectId: reporter.projectId!,
    tokenHash: reporter.tokenHash!,
  };
  const elapsedMs = () => performance.now() - reporter.startedAt;
  // The statement decides 401 and 429 itself, whatever else it throws.
  reporter.checked = true;
  const outcome = await applyReport(services, caller, { ...report, elapsedMs });
  reporter.logId = outcome.logId;
  return outcome;
}

async function runBatch(
  services: VmReporterServices,
  event: GatewayEvent,
): Promise<BatchResult> {
  const batch = event.json as {
    items: ParsedBatchItem[];
    max_commands: number;
  };
  const items: Record<string, number> = {};
  for (const item of batch.items)
    items[item.route] = (items[item.route] ?? 0) + 1;
  if (batch.max_commands > 0) items["commands/poll"] = 1;
  const outcome = await run(services, event, {
    items: batch.items,
    maxCommands: batch.max_commands,
    log: { route: BATCH_ROUTE, items },
  });
  return {
    results: outcome.results,
    commands: outcome.commands,
    report_interval_seconds:
      services.reportIntervalSeconds ?? DEFAULT_INTERVAL_SECONDS,
  };
}

/** Runs a single route as a report of one item and returns that item's result. */
async function runRoute(
  services: VmReporterServices,
  event: GatewayEvent,
): Promise<unknown> {
  const route = event.reporter!.route as ReporterRoute;
  const body = event.json as any;
  if (route === "commands/poll") {
    const outcome = await run(services, event, {
      items: [],
      maxCommands: body.max_commands,
      log: { route },
    });
    return { commands: outcome.commands };
  }
  const outcome = await run(services, event, {
    items: [{ route, body }],
    maxCommands: 0,
    log: { route },
  });
  const result = outcome.results[0]!;
  if (result.error !== undefined) {
    throw new ApiError(result.status, "item_rejected", result.error);
  }
  return result.data;
}

/** Validates the body against the route's schema, naming the first bad field. */
function validateRoute(): GatewayMiddleware {
  return {
    before: (request) => {
      const route = request.event.reporter!.route;
      const schema =
        route === BATCH_ROUTE
          ? BatchRequest
          : REPORTER_ROUTES[route as ReporterRoute].request;
      const result = schema.safeParse(request.event.json);
      if (!result.success)
        throw badRequest(describeZodError(result.error, request.event.json));
      request.event.json = result.data;
    },
  };
}
