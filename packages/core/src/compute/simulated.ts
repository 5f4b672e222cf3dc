import { randomUUID } from "node:crypto";
import {
  ComputeError,
  type ComputeOperationKind,
  type ComputeProvider,
  type OperationHandle,
  type OperationStatus,
  type PowerState,
  type VmRef,
} from "./provider";

export interface SimulatedFailure {
  code: string;
  message?: string;
  /** "begin" rejects the call itself; "operation" fails it when polled. */
  at: "begin" | "operation";
  transient?: boolean;
}

export interface SimulatedComputeOptions {
  /** How long each operation takes before it reports its outcome. */
  delayMs: number;
  now?: () => number;
}

interface SimulatedState {
  completesAt: number;
  failure?: { code: string; message: string };
}

const SETTLED_POWER: Record<ComputeOperationKind, PowerState> = {
  create: "running",
  start: "running",
  stop: "deallocated",
  delete: "absent",
};

const BUSY_POWER: Record<ComputeOperationKind, PowerState> = {
  create: "starting",
  start: "starting",
  stop: "deallocating",
  delete: "stopping",
};

/**
 * A compute provider that behaves like a cloud without one: every operation
 * takes `delayMs`, and failures can be queued per operation kind. The
 * operation's outcome travels inside its handle, so a restarted process still
 * finishes the operations it started.
 */
export class SimulatedCompute implements ComputeProvider {
  readonly name = "simulated";
  private readonly failures = new Map<
    ComputeOperationKind,
    SimulatedFailure[]
  >();
  private readonly power = new Map<
    string,
    { kind: ComputeOperationKind; completesAt: number; failed: boolean }
  >();
  private readonly now: () => number;

  constructor(private readonly options: SimulatedComputeOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Makes the next operation of `kind` fail as described. */
  failNext(kind: ComputeOperationKind, failure: SimulatedFailure): void {
    const queue = this.failures.get(kind) ?? [];
    queue.push(failure);
    this.failures.set(kind, queue);
  }

  create(spec: { projectId: string; region: string }) {
    return this.begin("create", spec);
  }

  start(vm: VmRef) {
    return this.begin("start", vm);
  }

  stop(vm: VmRef) {
    return this.begin("stop", vm);
  }

  delete(vm: VmRef) {
    return this.begin("delete", vm);
  }

  async getOperation(operation: OperationHandle): Promise<OperationStatus> {
    const state = operation.state as SimulatedState;
    if (this.now() < state.completesAt) return { state: "running" };
    if (state.failure) return { state: "failed", ...state.failure };
    return { state: "succeeded" };
  }

  async powerState(vm: VmRef): Promise<PowerState> {
    const last = this.power.get(vm.projectId);
    if (!last) return "absent";
    if (this.now() < last.completesAt) return BUSY_POWER[last.kind];
    if (last.failed) return "unknown";
    return SETTLED_POWER[last.kind];
  }

  private async begin(
    kind: ComputeOperationKind,
    vm: VmRef,
  ): Promise<OperationHandle> {
    const failure = this.failures.get(kind)?.shift();
    if (failure?.at === "begin") {
      throw new ComputeError(
        failure.code,
        failure.message ?? `simulated ${kind} rejected with ${failure.code}`,
        failure.transient ?? false,
      );
    }

    const completesAt = this.now() + this.options.delayMs;
    const state: SimulatedState = { completesAt };
    if (failure) {
      state.failure = {
        code: failure.code,
        message:
          failure.message ?? `simulated ${kind} failed with ${failure.code}`,
      };
    }
    this.power.set(vm.projectId, {
      kind,
      completesAt,
      failed: failure !== undefined,
    });
    return {
      provider: this.name,
      kind,
      id: `sim-${kind}-${randomUUID()}`,
      startedAt: new Date(this.now()).toISOString(),
      state,
    };
  }
}
