import { describe, expect, test } from "vitest";
import { toComputeError } from "../../src/compute/azure/errors";
import { parseAzureSettings } from "../../src/compute/azure/settings";
import { loopbackGuardPolicy } from "../../src/compute/azure/clients";
import { ComputeError } from "../../src/compute/provider";

const REQUIRED = {
  AZURE_SUBSCRIPTION_ID: "00000000-0000-4000-8000-000000000001",
  AZURE_VM_SSH_PUBLIC_KEY: "ssh-ed25519 AAAAC3Nz test",
};

describe("parseAzureSettings", () => {
  test("fills defaults", () => {
    const settings = parseAzureSettings(REQUIRED);

    expect(settings.image).toEqual({
      publisher: "Canonical",
      offer: "ubuntu-24_04-lts",
      sku: "server",
      version: "latest",
    });
    expect(settings.adminUsername).toBe("synthcore");
    expect(settings.resourceGroupPrefix).toBe("synthcore");
    expect(settings.endpoint).toBeUndefined();
  });

  test("names missing subscription id", () => {
    expect(() =>
      parseAzureSettings({ ...REQUIRED, AZURE_SUBSCRIPTION_ID: "" }),
    ).toThrow(/AZURE_SUBSCRIPTION_ID/);
  });

  test("rejects malformed image", () => {
    expect(() =>
      parseAzureSettings({ ...REQUIRED, AZURE_VM_IMAGE: "ubuntu" }),
    ).toThrow(/AZURE_VM_IMAGE: expected publisher:offer:sku:version/);
  });
});

describe("toComputeError", () => {
  const rest = (statusCode: number | undefined, code: string) =>
    Object.assign(new Error(code), { name: "RestError", statusCode, code });

  test.each([
    [429, "TooManyRequests", true],
    [500, "InternalServerError", true],
    [503, "ServiceUnavailable", true],
    [409, "SubscriptionRequestsThrottled", true],
    [undefined, "ECONNRESET", true],
    [409, "Conflict", false],
    [409, "OperationNotAllowed", false],
    [400, "QuotaExceeded", false],
    [409, "SkuNotAvailable", false],
    [500, "AllocationFailed", false],
    [200, "ZonalAllocationFailed", false],
    [404, "ResourceNotFound", false],
  ])("maps HTTP %s %s to transient=%s", (status, code, transient) => {
    const mapped = toComputeError(rest(status, code)) as ComputeError;

    expect(mapped).toBeInstanceOf(ComputeError);
    expect(mapped.code).toBe(code);
    expect(mapped.transient).toBe(transient);
  });

  test("passes non-SDK errors through", () => {
    const error = new Error("bug");

    expect(toComputeError(error)).toBe(error);
  });
});

describe("loopbackGuardPolicy", () => {
  test("rejects public URL before sending", async () => {
    let sent = false;
    const next = async () => {
      sent = true;
      return {} as never;
    };
    const request = { url: "https://management.azure.com/subscriptions" };

    await expect(
      loopbackGuardPolicy().sendRequest(request as never, next),
    ).rejects.toThrow(/management\.azure\.com rejected/);
    expect(sent).toBe(false);
  });
});
