import * as z from "zod";

/** Commands a dashboard user may send with the VM API's `send_command`. */
export const USER_COMMAND_TYPES = [
  "start_agents",
  "stop_agents",
  "restart_agents",
] as const;

/** Every command type; `approval_decision` carries a decision to the VM. */
export const COMMAND_TYPES = [
  ...USER_COMMAND_TYPES,
  "approval_decision",
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** The order a command's status moves in; the last three are final. */
export const COMMAND_STATUSES = [
  "queued",
  "delivered",
  "running",
  "succeeded",
  "failed",
  "expired",
] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

export const FINAL_COMMAND_STATUSES: readonly CommandStatus[] = [
  "succeeded",
  "failed",
  "expired",
];

/** A command as the agent receives it from `commands/poll`. */
export const DeliveredCommand = z.object({
  command_id: z.uuid(),
  type: z.enum(COMMAND_TYPES),
  payload: z.record(z.string(), z.unknown()),
  status: z.enum(COMMAND_STATUSES),
  deliveries: z.number().int(),
  created_at: z.iso.datetime(),
  lease_expires_at: z.iso.datetime(),
  deliver_by: z.iso.datetime(),
});
export type DeliveredCommand = z.infer<typeof DeliveredCommand>;

export const PollCommandsRequest = z.strictObject({
  max_commands: z.number().int().min(1).max(10).default(5),
});
export const PollCommandsResult = z.object({
  commands: z.array(DeliveredCommand),
});

/** Statuses an agent may report; `delivered` and `expired` are the server's. */
export const AGENT_COMMAND_STATUSES = [
  "running",
  "succeeded",
  "failed",
] as const;

export const CommandStatusRequest = z.strictObject({
  command_id: z.uuid(),
  status: z.enum(AGENT_COMMAND_STATUSES),
  result: z.string().max(2000).optional(),
});
export const CommandStatusResult = z.object({
  command_id: z.uuid(),
  status: z.enum(COMMAND_STATUSES),
});
