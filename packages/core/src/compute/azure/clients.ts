import { ComputeManagementClient } from "@azure/arm-compute";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { assertLoopback } from "../../net/loopback";

type ArmPolicy = Parameters<
  ComputeManagementClient["pipeline"]["addPolicy"]
>[0];
type TlsOptions = NonNullable<
  ConstructorParameters<typeof ResourceManagementClient>[1]
>["tlsOptions"];

export interface ArmClientOptions {
  subscriptionId: string;
  /** ARM endpoint; the public cloud when absent. */
  endpoint?: string;
  /** DefaultAzureCredential when absent. */
  credential?: TokenCredential;
  /** Extra trusted certificates, such as a test server's self-signed one. */
  tlsOptions?: TlsOptions;
  /** Fail every request whose URL is not on 127.0.0.1 (tests). */
  loopbackOnly?: boolean;
}

export interface ArmClients {
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
  resources: ResourceManagementClient;
}

export const LOOPBACK_GUARD_POLICY = "synthcoreLoopbackGuard";

/**
 * Builds a policy that rejects any request leaving 127.0.0.1. It is added after the
 * signing phase, so it checks the final URL of every attempt, including the
 * polling URLs that ARM hands back in response headers.
 */
export function loopbackGuardPolicy(): ArmPolicy {
  return {
    name: LOOPBACK_GUARD_POLICY,
    async sendRequest(request, next) {
      assertLoopback(request.url);
      return next(request);
    },
  };
}

/**
 * Builds the three ARM clients with one credential and one set of pipeline
 * options. The SDK's own retries are off: the provider retries in one place
 * with its own classification of transient errors.
 */
export function createArmClients(options: ArmClientOptions): ArmClients {
  const credential = options.credential ?? new DefaultAzureCredential();
  const common = {
    endpoint: options.endpoint,
    tlsOptions: options.tlsOptions,
    retryOptions: { maxRetries: 0 },
  };
  const clients: ArmClients = {
    compute: new ComputeManagementClient(
      credential,
      options.subscriptionId,
      common,
    ),
    network: new NetworkManagementClient(
      credential,
      options.subscriptionId,
      common,
    ),
    resources: new ResourceManagementClient(
      credential,
      options.subscriptionId,
      common,
    ),
  };
  if (options.loopbackOnly) {
    for (const client of Object.values(clients)) {
      client.pipeline.addPolicy(loopbackGuardPolicy(), { afterPhase: "Sign" });
    }
  }
  return clients;
}
