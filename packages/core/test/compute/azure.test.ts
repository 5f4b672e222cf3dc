import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  test,
} from "vitest";
import { ComputeError } from "../../src/compute/provider";
import type { AzureCompute } from "../../src/compute/azure/provider";
import { FakeArm } from "./fake-arm";
import { SSH_KEY, SUBSCRIPTION, azureFor, pollToEnd } from "./azure-setup";

const PROJECT = "11111111-2222-4333-8444-555555555555";
const GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/synthcore-${PROJECT}`;
const VM = `${GROUP}/providers/Microsoft.Compute/virtualMachines/vm`;
const VNET = `${GROUP}/providers/Microsoft.Network/virtualNetworks/vnet`;
const NIC = `${GROUP}/providers/Microsoft.Network/networkInterfaces/nic`;
const SPEC = {
  projectId: PROJECT,
  region: "australiaeast",
  vmSize: "Standard_D2s_v3",
};
const CUSTOM_DATA = {
  SYNTHCORE_API_URL: "https://api.synthcore.dev",
  SYNTHCORE_PROJECT_ID: PROJECT,
  SYNTHCORE_REPORTER_TOKEN: "reporter-token",
};
const VM_REF = { projectId: PROJECT, region: "australiaeast" };

let arm: FakeArm;
let azure: AzureCompute;

beforeAll(async () => {
  arm = await FakeArm.start();
});
afterAll(() => arm.close());
beforeEach(() => {
  arm.requests.length = 0;
  arm.resources.clear();
  arm.pollsBeforeDone = 1;
  azure = azureFor(arm);
});

function find(method: string, path: string) {
  const found = arm.requests.find(
    (request) =>
      request.method === method &&
      request.path.toLowerCase() === path.toLowerCase(),
  );
  if (!found)
    throw new Error(`no ${method} ${path} in ${arm.calls().join(", ")}`);
  return found;
}

describe("AzureCompute.create", () => {
  test("sends group and VNet only", async () => {
    await azure.create(SPEC);

    expect(arm.calls()).toEqual([
      `PUT ${GROUP.replace("resourceGroups", "resourcegroups")}`,
      `PUT ${VNET}`,
    ]);
    expect(find("PUT", GROUP).apiVersion).toBe("2025-04-01");
    expect(find("PUT", GROUP).body.location).toBe("australiaeast");
    expect(find("PUT", GROUP).authorization).toBe("Bearer test-token");
  });

  test("sends VNet with outbound subnet", async () => {
    await azure.create(SPEC);
    const vnet = find("PUT", VNET);

    expect(vnet.apiVersion).toBe("2025-05-01");
    expect(vnet.body.properties.addressSpace.addressPrefixes).toEqual([
      "10.0.0.0/16",
    ]);
    expect(vnet.body.properties.subnets[0].name).toBe("default");
    expect(
      vnet.body.properties.subnets[0].properties.defaultOutboundAccess,
    ).toBe(true);
  });

  test("advances network, NIC, VM", async () => {
    const handle = await azure.create(SPEC);
    const { status, handles } = await pollToEnd(azure, handle);

    expect(status).toEqual({ state: "succeeded" });
    expect(handles.map((h) => (h.state as { step: string }).step)).toEqual([
      "network",
      "nic",
      "vm",
    ]);
    expect(arm.calls().filter((call) => call.startsWith("PUT"))).toHaveLength(
      4,
    );
    expect(
      find("PUT", NIC).body.properties.ipConfigurations[0].properties.subnet.id,
    ).toBe(`${VNET}/subnets/default`);
  });

  test("stays running while InProgress", async () => {
    arm.pollsBeforeDone = 3;
    const handle = await azure.create(SPEC);
    const lro = JSON.parse((handle.state as { lro: string }).lro);
    const operation = new URL(lro.state.config.operationLocation).pathname;

    const first = await azure.getOperation(handle);
    const second = await azure.getOperation(handle);
    const third = await azure.getOperation(handle);

    expect(first).toEqual({ state: "running" });
    expect(second).toEqual({ state: "running" });
    expect(third.state).toBe("running");
    expect(third).toHaveProperty("next");
    expect(arm.requests.filter((r) => r.path === operation)).toHaveLength(4);
  });

  test("sends the VM body", async () => {
    await pollToEnd(azure, await azure.create(SPEC), {
      customData: async () => CUSTOM_DATA,
    });
    const vm = find("PUT", VM);
    const decoded = Buffer.from(
      vm.body.properties.osProfile.customData,
      "base64",
    ).toString();

    expect(vm.apiVersion).toBe("2026-03-01");
    expect(vm.body.location).toBe("australiaeast");
    expect(vm.body.properties.hardwareProfile.vmSize).toBe("Standard_D2s_v3");
    expect(vm.body.properties.storageProfile.imageReference.offer).toBe(
      "ubuntu-24_04-lts",
    );
    expect(
      vm.body.properties.osProfile.linuxConfiguration.ssh.publicKeys[0].keyData,
    ).toBe(SSH_KEY);
    expect(vm.body.properties.networkProfile.networkInterfaces[0].id).toBe(NIC);
    expect(decoded).toBe(
      `SYNTHCORE_API_URL=https://api.synthcore.dev\nSYNTHCORE_PROJECT_ID=${PROJECT}\nSYNTHCORE_REPORTER_TOKEN=reporter-token\n`,
    );
  });

  test("builds custom data only when it sends the VM request", async () => {
    const built: string[] = [];
    const customData = async () => {
      built.push(arm.calls().at(-1)!);
      return CUSTOM_DATA;
    };
    const { handles } = await pollToEnd(azure, await azure.create(SPEC), {
      customData,
    });

    expect(built).toHaveLength(1);
    expect(built[0]).toMatch(/^GET /);
    expect(arm.calls().filter((call) => call === `PUT ${VM}`)).toHaveLength(1);
    for (const handle of handles) {
      expect(JSON.stringify(handle)).not.toContain("reporter-token");
      expect(JSON.stringify(handle)).not.toContain("customData");
    }
  });

  test("fails create without a custom data builder", async () => {
    const handle = await azure.create(SPEC);
    const statuses = [];
    let current = handle;
    for (let poll = 0; poll < 10; poll++) {
      const status = await azure.getOperation(current);
      statuses.push(status);
      if (status.state !== "running") break;
      if (status.next) current = status.next;
    }

    expect(statuses.at(-1)).toMatchObject({
      state: "failed",
      code: "CustomDataUnavailable",
    });
    expect(arm.calls()).not.toContain(`PUT ${VM}`);
  });

  test("fails on AllocationFailed", async () => {
    arm.failOperation(
      /virtualMachines\/vm$/,
      "AllocationFailed",
      "no capacity",
    );
    const { status } = await pollToEnd(azure, await azure.create(SPEC));

    expect(status).toEqual({
      state: "failed",
      code: "AllocationFailed",
      message: "no capacity",
    });
  });

  test("fails on SkuNotAvailable", async () => {
    arm.failNext("PUT", /virtualMachines\/vm$/, {
      status: 409,
      code: "SkuNotAvailable",
    });
    const { status } = await pollToEnd(azure, await azure.create(SPEC));

    expect(status).toMatchObject({ state: "failed", code: "SkuNotAvailable" });
  });
});

describe("AzureCompute.stop", () => {
  test("posts deallocate, not powerOff", async () => {
    await azure.stop(VM_REF);
    const post = find("POST", `${VM}/deallocate`);

    expect(post.apiVersion).toBe("2026-03-01");
    expect(arm.calls()).toEqual([`POST ${VM}/deallocate`]);
    expect(arm.requests.some((r) => r.path.endsWith("/powerOff"))).toBe(false);
  });

  test("succeeds after AsyncOperation succeeds", async () => {
    const handle = await azure.stop(VM_REF);

    expect(await azure.getOperation(handle)).toEqual({ state: "running" });
    expect(await azure.getOperation(handle)).toEqual({ state: "succeeded" });
  });
});

describe("AzureCompute.start", () => {
  test("posts start and succeeds", async () => {
    const handle = await azure.start(VM_REF);
    const { status } = await pollToEnd(azure, handle);

    expect(find("POST", `${VM}/start`).apiVersion).toBe("2026-03-01");
    expect(status).toEqual({ state: "succeeded" });
  });

  test("rejects 409 as permanent", async () => {
    arm.failNext("POST", /\/start$/, { status: 409, code: "Conflict" });
    const error = await azure.start(VM_REF).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ComputeError);
    expect((error as ComputeError).code).toBe("Conflict");
    expect((error as ComputeError).transient).toBe(false);
  });
});

describe("AzureCompute.delete", () => {
  test("deletes group via Location", async () => {
    const handle = await azure.delete(VM_REF);
    const { status } = await pollToEnd(azure, handle);

    expect(find("DELETE", GROUP).apiVersion).toBe("2025-04-01");
    expect(
      arm.requests.some((r) => r.path.includes("/operationResults/")),
    ).toBe(true);
    expect(status).toEqual({ state: "succeeded" });
  });

  test("treats missing group as deleted", async () => {
    arm.failNext("DELETE", /resourcegroups/i, {
      status: 404,
      code: "ResourceGroupNotFound",
    });
    const handle = await azure.delete(VM_REF);

    expect(await azure.getOperation(handle)).toEqual({ state: "succeeded" });
  });
});

describe("AzureCompute.powerState", () => {
  test("reads instance view power state", async () => {
    await pollToEnd(azure, await azure.create(SPEC));
    arm.powerState = "PowerState/deallocated";

    expect(await azure.powerState(VM_REF)).toBe("deallocated");
    expect(find("GET", `${VM}/instanceView`).apiVersion).toBe("2026-03-01");
  });

  test("returns absent for missing VM", async () => {
    expect(await azure.powerState(VM_REF)).toBe("absent");
  });
});

describe("AzureCompute retries", () => {
  test("retries 429 then succeeds", async () => {
    arm.failNext("PUT", /resourcegroups/i, {
      status: 429,
      code: "TooManyRequests",
      retryAfterSeconds: 0,
    });
    await azure.create(SPEC);

    expect(
      arm.calls().filter((call) => /resourcegroups\/[^/]+$/i.test(call)),
    ).toHaveLength(2);
  });

  test("retries 500 then succeeds", async () => {
    arm.failNext("POST", /deallocate$/, {
      status: 500,
      code: "InternalServerError",
    });
    const handle = await azure.stop(VM_REF);

    expect(arm.calls()).toEqual([
      `POST ${VM}/deallocate`,
      `POST ${VM}/deallocate`,
    ]);
    expect(handle.kind).toBe("stop");
  });

  test("retries 503 while polling", async () => {
    const handle = await azure.stop(VM_REF);
    arm.failNext("GET", /\/operations\//, {
      status: 503,
      code: "ServiceUnavailable",
    });

    expect(await azure.getOperation(handle)).toEqual({ state: "running" });
  });

  test("throws transient after last attempt", async () => {
    for (let i = 0; i < 3; i++) {
      arm.failNext("POST", /\/start$/, {
        status: 429,
        code: "SubscriptionRequestsThrottled",
      });
    }
    const error = await azure.start(VM_REF).catch((caught: unknown) => caught);

    expect((error as ComputeError).code).toBe("SubscriptionRequestsThrottled");
    expect((error as ComputeError).transient).toBe(true);
    expect(arm.calls()).toHaveLength(3);
  });
});

describe("AzureCompute loopback guard", () => {
  test("rejects non-loopback endpoint", async () => {
    const outside = azureFor(arm, "https://arm.example.invalid");

    await expect(outside.start(VM_REF)).rejects.toThrow(
      /only 127\.0\.0\.1 is allowed/,
    );
    expect(arm.requests).toHaveLength(0);
  });

  test("rejects non-loopback polling URL", async () => {
    const handle = await azure.stop(VM_REF);
    const state = handle.state as { lro: string };
    const moved = {
      ...handle,
      state: {
        ...state,
        lro: state.lro.replaceAll(arm.url, "https://arm.example.invalid"),
      },
    };

    await expect(azure.getOperation(moved)).rejects.toThrow(
      /arm\.example\.invalid rejected/,
    );
  });
});
