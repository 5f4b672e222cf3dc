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
 * Where each user action may start from. `error` allows all three, so a
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

/** What each transitional state becomes once its cloud operation succeeds. */
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

export function allowedFrom(
  action: UserAction,
  force: boolean,
): readonly ProjectStatus[] | "any" {
  if (action === "delete" && force) return "any";
  return TRANSITIONS[action].from;
}

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
