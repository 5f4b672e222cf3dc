/**
 * The compute operations the control plane needs from a cloud: long-running
 * operations that
 * are started in one call and checked later, so that no Lambda invocation
 * waits minutes for a VM.
 */
export type ComputeOperationKind = "create" | "start" | "stop" | "delete";

export interface VmSpec {
  projectId: string;
  region: string;
  vmSize: string;
}

/** Context a poll may need beyond the stored handle. */
export interface OperationContext {
  /**
   * Builds the key-value settings the VM's agent reads at boot (custom
   * data). Called only when the VM request is sent, because the settings
   * carry a reporter token that must never be stored with the handle.
   */
  customData?: () => Promise<Record<string, string>>;
}

export interface VmRef {
  projectId: string;
  region: string;
}

/**
 * A started operation, stored as JSON on the project row until the
 * reconciler finds it finished. `state` is the provider's own resume data.
 */
export interface OperationHandle {
  provider: string;
  kind: ComputeOperationKind;
  id: string;
  startedAt: string;
  state?: unknown;
}

export type OperationStatus =
  | {
      state: "running";
      /**
       * A new handle to store in place of the polled one, when the operation
       * moved on to a further step (Azure create runs several ARM calls).
       */
      next?: OperationHandle;
    }
  | { state: "succeeded" }
  | { state: "failed"; code: string; message: string };

export type PowerState =
  | "starting"
  | "running"
  | "stopping"
  | "stopped"
  | "deallocating"
  | "deallocated"
  | "absent"
  | "unknown";

export interface ComputeProvider {
  readonly name: string;
  create(spec: VmSpec): Promise<OperationHandle>;
  start(vm: VmRef): Promise<OperationHandle>;
  /** Stops and deallocates, so that a stopped VM bills no compute. */
  stop(vm: VmRef): Promise<OperationHandle>;
  /** Deletes the VM with everything it owns (disk, NIC, address). */
  delete(vm: VmRef): Promise<OperationHandle>;
  getOperation(
    operation: OperationHandle,
    context?: OperationContext,
  ): Promise<OperationStatus>;
  powerState(vm: VmRef): Promise<PowerState>;
}

/**
 * A failed cloud call. Transient ones (throttling, 5xx) are worth retrying;
 * permanent ones (quota, allocation, conflict) end the transition in error.
 */
export class ComputeError extends Error {
  override name = "ComputeError";

  constructor(
    readonly code: string,
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}
