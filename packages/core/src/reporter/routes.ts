import type * as z from "zod";
import { Approval, ApprovalAck, ApprovalRequest } from "../approvals/schemas";
import {
  CommandStatusRequest,
  CommandStatusResult,
  PollCommandsRequest,
  PollCommandsResult,
} from "../commands/schemas";
import {
  AuditReport,
  BatchResult,
  CliSessionsReport,
  ConflictsReport,
  HealthReport,
  HealthResult,
  MessagesReport,
  ProductivityMetricsReport,
  TaskMetricsReport,
} from "../telemetry/schemas";

export interface ReporterRouteSchema {
  summary: string;
  request: z.ZodType;
  response: z.ZodType;
}

/**
 * Every route of the VM Reporter with its request and response schemas:
 * the one source for the handler's validation, the agent client's types
 * and the OpenAPI document.
 */
export const REPORTER_ROUTES = {
  health: {
    summary: "Push a health snapshot: CPU, memory, disk, load, agent states",
    request: HealthReport,
    response: HealthResult,
  },
  messages: {
    summary: "Log agent messages for the dashboard's Chat tab",
    request: MessagesReport,
    response: BatchResult,
  },
  audit: {
    summary: "Push audit events for the activity trail",
    request: AuditReport,
    response: BatchResult,
  },
  conflicts: {
    summary: "Report git conflict and sync statistics",
    request: ConflictsReport,
    response: BatchResult,
  },
  "metrics/tasks": {
    summary: "Push task counts: assigned, completed, failed, drifted",
    request: TaskMetricsReport,
    response: BatchResult,
  },
  "metrics/productivity": {
    summary: "Push agent productivity metrics",
    request: ProductivityMetricsReport,
    response: BatchResult,
  },
  "metrics/cli-sessions": {
    summary: "Push CLI session tracking data",
    request: CliSessionsReport,
    response: BatchResult,
  },
  "commands/poll": {
    summary: "Lease queued commands for the visibility timeout",
    request: PollCommandsRequest,
    response: PollCommandsResult,
  },
  "commands/status": {
    summary: "Report a command's progress or result",
    request: CommandStatusRequest,
    response: CommandStatusResult,
  },
  approvals: {
    summary: "Ask a human to approve an action",
    request: ApprovalRequest,
    response: Approval,
  },
  "approvals/ack": {
    summary: "Confirm that the VM acted on an approval decision",
    request: ApprovalAck,
    response: Approval,
  },
} satisfies Record<string, ReporterRouteSchema>;

export type ReporterRoute = keyof typeof REPORTER_ROUTES;
export const REPORTER_ROUTE_NAMES = Object.keys(
  REPORTER_ROUTES,
) as ReporterRoute[];

export type ReporterRequest<R extends ReporterRoute> = z.input<
  (typeof REPORTER_ROUTES)[R]["request"]
>;
export type ReporterResponse<R extends ReporterRoute> = z.infer<
  (typeof REPORTER_ROUTES)[R]["response"]
>;

/** Bodies above this size are rejected with 413 before they are parsed. */
export const MAX_REPORTER_BODY_BYTES = 256 * 1024;

export function isReporterRoute(route: string): route is ReporterRoute {
  return Object.hasOwn(REPORTER_ROUTES, route);
}
