import { restorePoller, type VirtualMachine } from "@azure/arm-compute";
import type { NetworkInterface, VirtualNetwork } from "@azure/arm-network";
import type { VmRef } from "../provider";
import type { ArmClients } from "./clients";
import type { LongRunningCall } from "./lro";
import type { AzureSettings } from "./settings";

export const VNET_NAME = "vnet";
export const SUBNET_NAME = "default";
export const NIC_NAME = "nic";
export const VM_NAME = "vm";

export interface ResourceContext {
  clients: ArmClients;
  settings: AzureSettings;
  /** Poll interval handed to the SDK pollers. */
  updateIntervalInMs?: number;
}

export function resourceGroupName(settings: AzureSettings, projectId: string) {
  return `${settings.resourceGroupPrefix}-${projectId}`;
}

/** Encodes the agent's settings as `KEY=value` lines, base64 for ARM. */
export function encodeCustomData(values: Record<string, string>): string {
  const lines = Object.entries(values).map(([key, value]) => {
    if (/[\r\n]/.test(key + value)) {
      throw new Error(`custom data entry ${key} contains a line break`);
    }
    return `${key}=${value}\n`;
  });
  return Buffer.from(lines.join(""), "utf8").toString("base64");
}

function tags(projectId: string) {
  return { "synthcore-project": projectId };
}

function subnetId(ctx: ResourceContext, group: string) {
  return (
    `/subscriptions/${ctx.settings.subscriptionId}/resourceGroups/${group}` +
    `/providers/Microsoft.Network/virtualNetworks/${VNET_NAME}/subnets/${SUBNET_NAME}`
  );
}

function nicId(ctx: ResourceContext, group: string) {
  return (
    `/subscriptions/${ctx.settings.subscriptionId}/resourceGroups/${group}` +
    `/providers/Microsoft.Network/networkInterfaces/${NIC_NAME}`
  );
}

export function virtualNetworkCall(
  ctx: ResourceContext,
  target: VmRef,
): LongRunningCall {
  const group = resourceGroupName(ctx.settings, target.projectId);
  // The VM has no public address: the agent only calls out. Default outbound
  // access is requested explicitly because new subnets may default to private.
  const body: VirtualNetwork = {
    location: target.region,
    tags: tags(target.projectId),
    addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
    subnets: [
      {
        name: SUBNET_NAME,
        addressPrefix: "10.0.0.0/24",
        defaultOutboundAccess: true,
      },
    ],
  };
  const send = (resumeFrom?: string) =>
    ctx.clients.network.virtualNetworks.beginCreateOrUpdate(
      group,
      VNET_NAME,
      body,
      { resumeFrom, updateIntervalInMs: ctx.updateIntervalInMs },
    );
  return legacyCall(send);
}

export function networkInterfaceCall(
  ctx: ResourceContext,
  target: VmRef,
): LongRunningCall {
  const group = resourceGroupName(ctx.settings, target.projectId);
  const body: NetworkInterface = {
    location: target.region,
    tags: tags(target.projectId),
    ipConfigurations: [
      {
        name: "primary",
        primary: true,
        privateIPAllocationMethod: "Dynamic",
        subnet: { id: subnetId(ctx, group) },
      },
    ],
  };
  const send = (resumeFrom?: string) =>
    ctx.clients.network.networkInterfaces.beginCreateOrUpdate(
      group,
      NIC_NAME,
      body,
      { resumeFrom, updateIntervalInMs: ctx.updateIntervalInMs },
    );
  return legacyCall(send);
}

export function virtualMachineBody(
  ctx: ResourceContext,
  target: VmRef,
  vmSize: string,
  customData: string,
): VirtualMachine {
  const group = resourceGroupName(ctx.settings, target.projectId);
  const { adminUsername, sshPublicKey, image } = ctx.settings;
  return {
    location: target.region,
    tags: tags(target.projectId),
    hardwareProfile: { vmSize },
    storageProfile: {
      imageReference: image,
      osDisk: {
        createOption: "FromImage",
        deleteOption: "Delete",
        managedDisk: { storageAccountType: "StandardSSD_LRS" },
      },
    },
    osProfile: {
      computerName: `synthcore-${target.projectId.slice(0, 8)}`,
      adminUsername,
      customData,
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: {
          publicKeys: [
            {
              path: `/home/${adminUsername}/.ssh/authorized_keys`,
              keyData: sshPublicKey,
            },
          ],
        },
      },
    },
    networkProfile: {
      networkInterfaces: [{ id: nicId(ctx, group), primary: true }],
    },
  };
}

export function virtualMachineCall(
  ctx: ResourceContext,
  target: VmRef,
  vmSize: string,
  customData: string,
): LongRunningCall {
  const group = resourceGroupName(ctx.settings, target.projectId);
  const machines = ctx.clients.compute.virtualMachines;
  return modernCall(ctx, machines.createOrUpdate, () =>
    machines.createOrUpdate(
      group,
      VM_NAME,
      virtualMachineBody(ctx, target, vmSize, customData),
      { updateIntervalInMs: ctx.updateIntervalInMs },
    ),
  );
}

export function powerCall(
  ctx: ResourceContext,
  projectId: string,
  action: "start" | "deallocate",
): LongRunningCall {
  const group = resourceGroupName(ctx.settings, projectId);
  const machines = ctx.clients.compute.virtualMachines;
  const operation = machines[action];
  return modernCall(ctx, operation, () =>
    operation(group, VM_NAME, { updateIntervalInMs: ctx.updateIntervalInMs }),
  );
}

export function deleteGroupCall(
  ctx: ResourceContext,
  projectId: string,
): LongRunningCall {
  const group = resourceGroupName(ctx.settings, projectId);
  const send = (resumeFrom?: string) =>
    ctx.clients.resources.resourceGroups.beginDelete(group, {
      resumeFrom,
      updateIntervalInMs: ctx.updateIntervalInMs,
    });
  return legacyCall(send);
}

interface LegacyPoller {
  isDone(): boolean;
  toString(): string;
}

/**
 * arm-network and arm-resources (core-lro 2): `begin*` sends the request,
 * or restores from `resumeFrom`, and then polls once before it returns.
 */
function legacyCall(
  send: (resumeFrom?: string) => Promise<LegacyPoller>,
): LongRunningCall {
  return {
    begin: async () => (await send()).toString(),
    poll: async (state) => (await send(state)).isDone(),
  };
}

interface ModernPoller {
  readonly isDone: boolean;
  submitted(): Promise<void>;
  serialize(): Promise<string>;
  poll(): Promise<unknown>;
}

/**
 * arm-compute 24 (core-lro 3): the operation returns a poller that is also a
 * thenable. Awaiting it would wait for the whole operation, so only its
 * methods are awaited.
 */
function modernCall(
  ctx: ResourceContext,
  source: Parameters<typeof restorePoller>[2],
  start: () => ModernPoller,
): LongRunningCall {
  return {
    async begin() {
      const poller = start();
      await poller.submitted();
      return poller.serialize();
    },
    async poll(state) {
      const poller: ModernPoller = restorePoller(
        ctx.clients.compute,
        state,
        source,
        { updateIntervalInMs: ctx.updateIntervalInMs },
      );
      await poller.poll();
      return poller.isDone;
    },
  };
}
