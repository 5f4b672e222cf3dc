import * as z from "zod";

const IMAGE_PATTERN = /^[^:\s]+:[^:\s]+:[^:\s]+:[^:\s]+$/;

const AzureEnvSchema = z.object({
  AZURE_SUBSCRIPTION_ID: z.uuid(),
  AZURE_VM_IMAGE: z
    .string()
    .regex(IMAGE_PATTERN, "expected publisher:offer:sku:version")
    .default("Canonical:ubuntu-24_04-lts:server:latest"),
  AZURE_VM_ADMIN_USERNAME: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "expected a Linux user name")
    .default("synthcore"),
  AZURE_VM_SSH_PUBLIC_KEY: z
    .string()
    .regex(
      /^(ssh-(rsa|ed25519)|ecdsa-sha2-\S+) \S+/,
      "expected an OpenSSH key",
    ),
  AZURE_RESOURCE_GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, "expected letters, digits, - or _")
    .default("synthcore"),
  AZURE_ARM_ENDPOINT: z.url().optional(),
});

export interface ImageReference {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
}

export interface AzureSettings {
  subscriptionId: string;
  image: ImageReference;
  adminUsername: string;
  sshPublicKey: string;
  resourceGroupPrefix: string;
  /** ARM endpoint; the SDK default (public cloud) when absent. */
  endpoint?: string;
}

export class AzureSettingsError extends Error {
  override name = "AzureSettingsError";
}

/**
 * Reads the Azure provider's settings from environment variables. Empty
 * values count as absent; a bad value fails with the variable's name.
 */
export function parseAzureSettings(
  env: Record<string, string | undefined> = process.env,
): AzureSettings {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => key.startsWith("AZURE_") && value,
    ),
  );
  const result = AzureEnvSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new AzureSettingsError(
      `invalid Azure settings: ${problems.join("; ")}`,
    );
  }

  const parsed = result.data;
  const [publisher, offer, sku, version] = parsed.AZURE_VM_IMAGE.split(":");
  return {
    subscriptionId: parsed.AZURE_SUBSCRIPTION_ID,
    image: {
      publisher: publisher!,
      offer: offer!,
      sku: sku!,
      version: version!,
    },
    adminUsername: parsed.AZURE_VM_ADMIN_USERNAME,
    sshPublicKey: parsed.AZURE_VM_SSH_PUBLIC_KEY,
    resourceGroupPrefix: parsed.AZURE_RESOURCE_GROUP_PREFIX,
    endpoint: parsed.AZURE_ARM_ENDPOINT,
  };
}
