import * as z from "zod";
import { APPROVAL_STATUSES } from "../approvals/schemas";
import { pageFields } from "./pagination";

const uuid = z.uuid();
const agent = z.string().trim().min(1).max(100);

const projectList = <A extends string>(action: A, max?: number) =>
  z.strictObject({
    action: z.literal(action),
    project_id: uuid,
    ...pageFields(max),
  });

/** Health history feeds charts, so it may return more points per page. */
export const MAX_HEALTH_LIMIT = 500;

export const DashboardRequest = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("organizations"), ...pageFields() }),
  z.strictObject({
    action: z.literal("projects"),
    organization_id: uuid,
    ...pageFields(),
  }),
  z.strictObject({ action: z.literal("project"), project_id: uuid }),
  projectList("activity"),
  projectList("health", MAX_HEALTH_LIMIT),
  projectList("messages").extend({ agent: agent.optional() }),
  projectList("audit"),
  projectList("commands"),
  projectList("approvals").extend({
    status: z.enum(APPROVAL_STATUSES).optional(),
  }),
  projectList("request_log").extend({
    route: z.string().trim().min(1).max(100).optional(),
    status: z.number().int().min(100).max(599).optional(),
  }),
  projectList("task_metrics"),
  projectList("productivity_metrics"),
  projectList("cli_sessions"),
]);
export type DashboardRequest = z.infer<typeof DashboardRequest>;
export type DashboardAction = DashboardRequest["action"];

export const DASHBOARD_ACTIONS: readonly string[] =
  DashboardRequest.options.map((option) => option.shape.action.value);
