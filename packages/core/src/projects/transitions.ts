import type { ProjectStatus } from "./schemas";

export type UserAction = "start" | "stop" | "delete";
export type TransitionalStatus =
  "provisioning" | "starting" | "stopping" | "deleting";

export interface TransitionRule {
  from: readonly ProjectStatus[];
  to: TransitionalStatus;
  requested: string;
}

/**
 * The states each user action may start from. `error` allows all three, so a
 * user can retry whatever failed or give up on the VM.
 */
export const TRANSITIONS: Record<UserAction, TransitionRule> = {
  start: {
    from: ["stopped", "error"],
    to: "starting",
    requested: "vm_start_requested",
  },
  stop: {
    from: ["active", "running", "error"],
    to: "stopping",
    requested: "vm_stop_requested",
  },
  delete: {
    from: ["stopped", "error"],
    to: "deleting",
    requested: "vm_delete_requested",
  },
};

/** A forced delete may start from any state but these. */
export const FORCE_DELETE_EXCLUDED: readonly ProjectStatus[] = [
  "deleting",
  "deleted",
];

/** The status and activity entry that end each transitional state. */
export const COMPLETIONS: Record<
  TransitionalStatus,
  { to: ProjectStatus; action: string }
> = {
  provisioning: { to: "active", action: "vm_provisioned" },
  starting: { to: "active", action: "vm_started" },
  stopping: { to: "stopped", action: "vm_stopped" },
  deleting: { to: "deleted", action: "vm_deleted" },
};

export const TRANSITIONAL_STATUSES = Object.keys(
  COMPLETIONS,
) as TransitionalStatus[];

/** Formats the 400 message for an action the current status does not allow. */
export function describeDisallowed(
  action: UserAction,
  status: ProjectStatus,
  force: boolean,
): string {
  if (action === "delete" && force) {
    return `project is "${status}"; delete is not possible from "${status}"`;
  }
  const from = TRANSITIONS[action].from.map((state) => `"${state}"`);
  const expected =
    from.length === 1
      ? from[0]
      : `${from.slice(0, -1).join(", ")} or ${from.at(-1)}`;
  return `project is "${status}"; ${action} requires ${expected}`;
}
