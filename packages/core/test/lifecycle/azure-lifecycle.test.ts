import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  test,
} from "vitest";
import type { AzureCompute } from "../../src/compute/azure/provider";
import { reconcile } from "../../src/lifecycle/reconciler";
import { DEFAULT_LIFECYCLE_SETTINGS } from "../../src/lifecycle/settings";
import { runLifecycleJob } from "../../src/lifecycle/worker";
import {
  databaseEngines,
  openTestDatabase,
  type TestDatabase,
} from "../../src/testing/database";
import { azureFor } from "../compute/azure-setup";
import { FakeArm } from "../compute/fake-arm";
import {
  RecordingQueue,
  activity,
  loadProject,
  markSettled,
  requestAction,
  seedProject,
} from "./fixtures";

describe.each(databaseEngines())("Azure lifecycle on %s", (engine) => {
  let test_db: TestDatabase;
  let arm: FakeArm;
  let azure: AzureCompute;

  beforeAll(async () => {
    [test_db, arm] = await Promise.all([
      openTestDatabase(engine),
      FakeArm.start(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([test_db.close(), arm.close()]);
  });
  beforeEach(async () => {
    await test_db.db.query("DELETE FROM projects");
    arm.requests.length = 0;
    azure = azureFor(arm);
  });

  function deps() {
    return {
      db: test_db.db,
      compute: azure,
      jobs: new RecordingQueue(),
      settings: DEFAULT_LIFECYCLE_SETTINGS,
      customData: async () => ({ SYNTHCORE_PROJECT_ID: "p" }),
    };
  }

  /** Runs the reconciler until the project leaves its transitional state. */
  async function settle(projectId: string) {
    for (let run = 0; run < 20; run++) {
      await reconcile(deps());
      const project = await loadProject(test_db.db, projectId);
      if (
        !["provisioning", "starting", "stopping", "deleting"].includes(
          project.status,
        )
      ) {
        return project;
      }
    }
    throw new Error("project did not settle after 20 reconciler runs");
  }

  test("provisioning advances stored handle", async () => {
    const seeded = await seedProject(test_db.db);
    await runLifecycleJob(deps(), seeded.job);

    await reconcile(deps());
    const midway = await loadProject(test_db.db, seeded.projectId);
    const project = await settle(seeded.projectId);

    expect((midway.operation?.state as { step: string }).step).toBe("nic");
    expect(project.status).toBe("active");
    expect(arm.calls().filter((call) => call.startsWith("PUT"))).toHaveLength(
      4,
    );
  });

  test("provisioning retries 429", async () => {
    const seeded = await seedProject(test_db.db);
    arm.failNext("PUT", /resourcegroups/i, {
      status: 429,
      code: "TooManyRequests",
    });

    const outcome = await runLifecycleJob(deps(), seeded.job);

    expect(outcome).toBe("started");
    expect((await settle(seeded.projectId)).status).toBe("active");
  });

  test("stop retries 500", async () => {
    const seeded = await seedProject(test_db.db);
    await markSettled(test_db.db, seeded.projectId, "active");
    arm.failNext("POST", /deallocate$/, {
      status: 500,
      code: "InternalServerError",
    });

    const outcome = await runLifecycleJob(
      deps(),
      await requestAction(test_db.db, seeded, "stop"),
    );

    expect(outcome).toBe("started");
    expect((await settle(seeded.projectId)).status).toBe("stopped");
    expect(
      arm.calls().filter((call) => call.endsWith("/deallocate")),
    ).toHaveLength(2);
  });

  test("start 409 becomes error", async () => {
    const seeded = await seedProject(test_db.db);
    await markSettled(test_db.db, seeded.projectId, "stopped");
    arm.failNext("POST", /\/start$/, {
      status: 409,
      code: "Conflict",
      message: "busy",
    });

    const outcome = await runLifecycleJob(
      deps(),
      await requestAction(test_db.db, seeded, "start"),
    );
    const project = await loadProject(test_db.db, seeded.projectId);
    const last = (await activity(test_db.db, seeded.projectId)).at(-1)!;

    expect(outcome).toBe("failed");
    expect(project.status).toBe("error");
    expect(project.status_reason).toBe("Conflict: busy");
    expect(last.action).toBe("vm_start_failed");
    expect(last.details.code).toBe("Conflict");
  });

  test("AllocationFailed becomes error", async () => {
    const seeded = await seedProject(test_db.db);
    arm.failOperation(
      /virtualMachines\/vm$/,
      "AllocationFailed",
      "no capacity",
    );
    await runLifecycleJob(deps(), seeded.job);

    const project = await settle(seeded.projectId);
    const last = (await activity(test_db.db, seeded.projectId)).at(-1)!;

    expect(project.status).toBe("error");
    expect(project.status_reason).toBe("AllocationFailed: no capacity");
    expect(last.action).toBe("vm_provision_failed");
    expect(last.details.code).toBe("AllocationFailed");
  });

  test("exhausted throttling leaves job queued", async () => {
    const seeded = await seedProject(test_db.db);
    for (let attempt = 0; attempt < 3; attempt++) {
      arm.failNext("PUT", /resourcegroups/i, {
        status: 429,
        code: "TooManyRequests",
      });
    }

    await expect(runLifecycleJob(deps(), seeded.job)).rejects.toThrow();
    const project = await loadProject(test_db.db, seeded.projectId);

    expect(project.status).toBe("provisioning");
    expect(project.operation).toBeNull();
  });
});
