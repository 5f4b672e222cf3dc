import { randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/identity";
import {
  ComputeError,
  type ComputeOperationKind,
  type ComputeProvider,
  type OperationContext,
  type OperationHandle,
  type OperationStatus,
  type PowerState,
  type VmRef,
  type VmSpec,
} from "../provider";
import { createArmClients, type ArmClientOptions } from "./clients";
import {
  DEFAULT_RETRY,
  toComputeError,
  withRetry,
  type RetryOptions,
} from "./errors";
import { pollOnce, type LongRunningCall } from "./lro";
import {
  VM_NAME,
  deleteGroupCall,
  encodeCustomData,
  networkInterfaceCall,
  powerCall,
  resourceGroupName,
  virtualMachineCall,
  virtualNetworkCall,
  type ResourceContext,
} from "./resources";
import type { AzureSettings } from "./settings";

export interface AzureComputeOptions {
  settings: AzureSettings;
  /** DefaultAzureCredential when absent. */
  credential?: TokenCredential;
  tlsOptions?: ArmClientOptions["tlsOptions"];
  /** Rejects every request that would leave 127.0.0.1 (tests). */
  loopbackOnly?: boolean;
  updateIntervalInMs?: number;
  retry?: Partial<RetryOptions>;
}

type Step = "network" | "nic" | "vm" | "start" | "stop" | "delete";

/**
 * The resume data a handle carries between polls. Create runs as three ARM
 * operations (network, NIC, VM). The handle names the current one with its
 * serialized poller, and getOperation returns the next handle when a step
 * finishes.
 */
interface AzureOperationState {
  step: Step;
  /** The SDK poller's serialized state; null when nothing is left to poll. */
  lro: string | null;
  target: VmRef;
  /** Create only. */
  vmSize?: string;
}

const POWER_STATES: Record<string, PowerState> = {
  "PowerState/starting": "starting",
  "PowerState/running": "running",
  "PowerState/stopping": "stopping",
  "PowerState/stopped": "stopped",
  "PowerState/deallocating": "deallocating",
  "PowerState/deallocated": "deallocated",
};

/**
 * Azure compute: one resource group per project holding a VNet, a NIC and a
 * Linux VM without a public address. Every method sends at most one
 * long-running request and returns; getOperation polls once.
 */
export class AzureCompute implements ComputeProvider {
  readonly name = "azure";
  private readonly ctx: ResourceContext;
  private readonly retry: RetryOptions;

  constructor(options: AzureComputeOptions) {
    const clients = createArmClients({
      subscriptionId: options.settings.subscriptionId,
      endpoint: options.settings.endpoint,
      credential: options.credential,
      tlsOptions: options.tlsOptions,
      loopbackOnly: options.loopbackOnly,
    });
    this.ctx = {
      clients,
      settings: options.settings,
      updateIntervalInMs: options.updateIntervalInMs,
    };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  async create(spec: VmSpec): Promise<OperationHandle> {
    const target = { projectId: spec.projectId, region: spec.region };
    const group = resourceGroupName(this.ctx.settings, spec.projectId);
    await this.call(() =>
      this.ctx.clients.resources.resourceGroups.createOrUpdate(group, {
        location: spec.region,
        tags: { "synthcore-project": spec.projectId },
      }),
    );
    return this.begin("create", {
      step: "network",
      target,
      vmSize: spec.vmSize,
    });
  }

  start(vm: VmRef) {
    return this.begin("start", { step: "start", target: this.target(vm) });
  }

  stop(vm: VmRef) {
    return this.begin("stop", { step: "stop", target: this.target(vm) });
  }

  async delete(vm: VmRef): Promise<OperationHandle> {
    try {
      return await this.begin("delete", {
        step: "delete",
        target: this.target(vm),
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return this.handle("delete", {
        step: "delete",
        lro: null,
        target: this.target(vm),
      });
    }
  }

  async getOperation(
    operation: OperationHandle,
    context: OperationContext = {},
  ): Promise<OperationStatus> {
    const state = operation.state as AzureOperationState;
    if (state.lro === null) return { state: "succeeded" };

    const lro = state.lro;
    const call = this.callFor(state);
    let progress;
    try {
      progress = await this.call(() => pollOnce(call, lro));
    } catch (error) {
      return permanentFailure(error);
    }
    if (progress.status === "failed") {
      return {
        state: "failed",
        code: progress.code,
        message: progress.message,
      };
    }
    if (progress.status === "running") return { state: "running" };
    return this.advance(operation, state, context);
  }

  async powerState(vm: VmRef): Promise<PowerState> {
    const group = resourceGroupName(this.ctx.settings, vm.projectId);
    try {
      const view = await this.call(() =>
        this.ctx.clients.compute.virtualMachines.instanceView(group, VM_NAME),
      );
      const codes = (view.statuses ?? []).map((status) => status.code ?? "");
      const power = codes.find((code) => code.startsWith("PowerState/"));
      return (power && POWER_STATES[power]) || "unknown";
    } catch (error) {
      if (isNotFound(error)) return "absent";
      throw error;
    }
  }

  /**
   * Moves create on to its next ARM operation once the current one is done.
   * The VM request is the only one that carries custom data, so the data
   * (reporter token included) is built just before it and never stored.
   */
  private async advance(
    operation: OperationHandle,
    state: AzureOperationState,
    context: OperationContext,
  ): Promise<OperationStatus> {
    const next = nextStep(state.step);
    if (!next) return { state: "succeeded" };
    if (next === "vm" && !context.customData) {
      return {
        state: "failed",
        code: "CustomDataUnavailable",
        message: "the VM request needs custom data, but none was supplied",
      };
    }

    let lro: string;
    try {
      const customData =
        next === "vm" ? encodeCustomData(await context.customData!()) : "";
      const call = this.callFor({ ...state, step: next }, customData);
      lro = await this.call(() => call.begin());
    } catch (error) {
      return permanentFailure(error);
    }
    const nextState: AzureOperationState = { ...state, step: next, lro };
    return { state: "running", next: { ...operation, state: nextState } };
  }

  private async begin(
    kind: ComputeOperationKind,
    state: Omit<AzureOperationState, "lro">,
  ): Promise<OperationHandle> {
    const call = this.callFor({ ...state, lro: null });
    const lro = await this.call(() => call.begin());
    return this.handle(kind, { ...state, lro });
  }

  private handle(
    kind: ComputeOperationKind,
    state: AzureOperationState,
  ): OperationHandle {
    return {
      provider: this.name,
      kind,
      id: `azure-${kind}-${randomUUID()}`,
      startedAt: new Date().toISOString(),
      state,
    };
  }

  /** The ARM call of a step; `customData` is used by the VM step only. */
  private callFor(
    state: AzureOperationState,
    customData = "",
  ): LongRunningCall {
    const { target } = state;
    switch (state.step) {
      case "network":
        return virtualNetworkCall(this.ctx, target);
      case "nic":
        return networkInterfaceCall(this.ctx, target);
      case "vm":
        return virtualMachineCall(
          this.ctx,
          target,
          state.vmSize ?? "",
          customData,
        );
      case "start":
        return powerCall(this.ctx, target.projectId, "start");
      case "stop":
        return powerCall(this.ctx, target.projectId, "deallocate");
      case "delete":
        return deleteGroupCall(this.ctx, target.projectId);
    }
  }

  private target(vm: VmRef): VmRef {
    return { projectId: vm.projectId, region: vm.region };
  }

  private call<T>(work: () => Promise<T>): Promise<T> {
    return withRetry(work, this.retry);
  }
}

function nextStep(step: Step): Step | undefined {
  if (step === "network") return "nic";
  if (step === "nic") return "vm";
  return undefined;
}

function isNotFound(error: unknown): boolean {
  const mapped = toComputeError(error);
  return (
    mapped instanceof ComputeError &&
    [
      "ResourceGroupNotFound",
      "ResourceNotFound",
      "NotFound",
      "Http404",
    ].includes(mapped.code)
  );
}

/**
 * A permanent error while polling or starting the next step fails the
 * operation. A transient one, after retries, is thrown so that the
 * reconciler tries again on its next run.
 */
function permanentFailure(error: unknown): OperationStatus {
  const mapped = toComputeError(error);
  if (mapped instanceof ComputeError && !mapped.transient) {
    return { state: "failed", code: mapped.code, message: mapped.message };
  }
  throw mapped;
}
