import type {
  OperationContext,
  OperationHandle,
  OperationStatus,
} from "../../src/compute/provider";
import { AzureCompute } from "../../src/compute/azure/provider";
import { parseAzureSettings } from "../../src/compute/azure/settings";
import { FakeArm, staticCredential } from "./fake-arm";

export const SUBSCRIPTION = "00000000-0000-4000-8000-000000000001";
export const SSH_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITest test@synthcore";

/** Creates an Azure provider aimed at `arm`, with the loopback guard on. */
export function azureFor(arm: FakeArm, endpoint = arm.url): AzureCompute {
  const settings = parseAzureSettings({
    AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
    AZURE_VM_SSH_PUBLIC_KEY: SSH_KEY,
    AZURE_ARM_ENDPOINT: endpoint,
  });
  return new AzureCompute({
    settings,
    credential: staticCredential,
    tlsOptions: { ca: arm.ca },
    loopbackOnly: true,
    updateIntervalInMs: 1,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  });
}

/** Polls until the operation ends, following the handles it moves on to. */
export async function pollToEnd(
  azure: AzureCompute,
  handle: OperationHandle,
  context: OperationContext = { customData: async () => ({}) },
): Promise<{ status: OperationStatus; handles: OperationHandle[] }> {
  const handles = [handle];
  for (let polls = 0; polls < 30; polls++) {
    const status = await azure.getOperation(handles.at(-1)!, context);
    if (status.state !== "running") return { status, handles };
    if (status.next) handles.push(status.next);
  }
  throw new Error("operation still running after 30 polls");
}
