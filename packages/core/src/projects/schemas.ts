import * as z from "zod";
import { USER_COMMAND_TYPES } from "../commands/schemas";

export const PROJECT_STATUSES = [
  "provisioning",
  "active",
  "running",
  "stopping",
  "stopped",
  "starting",
  "deleting",
  "deleted",
  "error",
] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

export const HEALTH_STATUSES = [
  "unknown",
  "healthy",
  "degraded",
  "unhealthy",
  "unreachable",
] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

const uuid = z.uuid();

/** Azure region names: lowercase letters and digits, such as australiaeast. */
const region = z
  .string()
  .regex(
    /^[a-z][a-z0-9]{2,39}$/,
    "expected an Azure region such as australiaeast",
  );

/** Azure VM size names such as Standard_D2s_v3. */
const vmSize = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]{2,63}$/,
    "expected an Azure VM size such as Standard_D2s_v3",
  );

export const CreateProjectInput = z.strictObject({
  action: z.literal("create"),
  organization_id: uuid,
  name: z.string().trim().min(1).max(100),
  region: region.default("australiaeast"),
  vm_size: vmSize.default("Standard_D2s_v3"),
});

const ProjectAction = <A extends string>(action: A) =>
  z.strictObject({ action: z.literal(action), project_id: uuid });

export const StartProjectInput = ProjectAction("start");
export const StopProjectInput = ProjectAction("stop");
export const StatusProjectInput = ProjectAction("status");
export const DeleteProjectInput = z.strictObject({
  action: z.literal("delete"),
  project_id: uuid,
  force: z.boolean().default(false),
});

export const SendCommandInput = z.strictObject({
  action: z.literal("send_command"),
  project_id: uuid,
  command: z.enum(USER_COMMAND_TYPES),
  reason: z.string().trim().min(1).max(500).optional(),
});

export const DecideApprovalInput = z.strictObject({
  action: z.literal("decide_approval"),
  project_id: uuid,
  approval_id: uuid,
  decision: z.enum(["approve", "reject"]),
  reason: z.string().trim().min(1).max(500).optional(),
});

export const VmApiRequest = z.discriminatedUnion("action", [
  CreateProjectInput,
  StartProjectInput,
  StopProjectInput,
  DeleteProjectInput,
  StatusProjectInput,
  SendCommandInput,
  DecideApprovalInput,
]);
export type VmApiRequest = z.infer<typeof VmApiRequest>;
export const VM_API_ACTIONS = [
  "create",
  "start",
  "stop",
  "delete",
  "status",
  "send_command",
  "decide_approval",
];

export interface Project {
  id: string;
  organization_id: string;
  name: string;
  status: ProjectStatus;
  health_status: HealthStatus;
  region: string;
  vm_size: string;
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A project row with the columns the lifecycle workers use. */
export interface ProjectRecord extends Project {
  version: number;
  transition_started_at: Date | null;
  transition_deadline: Date | null;
  operation: import("../compute/provider").OperationHandle | null;
  job_enqueued_at: Date | null;
}

export interface ActivityEntry {
  action: string;
  details: Record<string, unknown>;
  created_at: Date;
}
