import type { Config } from "@synthcore/core/config";
import type { ComputeProvider } from "@synthcore/core/compute/provider";
import { SimulatedCompute } from "@synthcore/core/compute/simulated";

/**
 * Builds the compute provider the configuration names. Only the lifecycle
 * functions call this, and the Azure SDK is imported on demand, so it stays
 * out of the gateway bundles.
 */
export async function computeFromConfig(
  config: Config,
): Promise<ComputeProvider> {
  if (config.COMPUTE_PROVIDER === "simulated") {
    return new SimulatedCompute({ delayMs: config.SYNTHCORE_SIM_DELAY_MS });
  }
  const { AzureCompute } =
    await import("@synthcore/core/compute/azure/provider");
  const { parseAzureSettings } =
    await import("@synthcore/core/compute/azure/settings");
  return new AzureCompute({ settings: parseAzureSettings(process.env) });
}
