import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcile } from "@synthcore/core/lifecycle/reconciler";
import { DEFAULT_LIFECYCLE_SETTINGS } from "@synthcore/core/lifecycle/settings";
import { runLifecycleJob } from "@synthcore/core/lifecycle/worker";
import { databaseEngines } from "@synthcore/core/testing/database";
import { azureFor } from "../../core/test/compute/azure-setup";
import { FakeArm } from "../../core/test/compute/fake-arm";
import { VmApiHarness, type TestUser } from "./support/harness";

// The whole path a user's request takes in AWS: the VM API records the
// transition and sends a job, the consumer starts the ARM operation, and
// reconciler runs finish it. Azure is the real SDK against a fake ARM.
describe.each(databaseEngines())(
  "VM lifecycle through the VM API and Azure on %s",
  (engine) => {
    let api: VmApiHarness;
    let arm: FakeArm;
    let owner: TestUser;
    let organizationId: string;

    beforeAll(async () => {
      [api, arm] = await Promise.all([
        VmApiHarness.start(engine),
        FakeArm.start(),
      ]);
      owner = await api.user("azure-owner@example.com");
      organizationId = await api.organization(owner);
    });
    afterAll(async () => {
      await Promise.all([api.close(), arm.close()]);
    });

    const azure = () => azureFor(arm);
    const lifecycleDeps = () => ({
      db: api.db,
      compute: azure(),
      jobs: api.jobs,
      settings: DEFAULT_LIFECYCLE_SETTINGS,
      customData: async (project: { id: string }) => ({
        SYNTHCORE_PROJECT_ID: project.id,
      }),
    });

    /** Runs the job the API just sent, then the reconciler until the project settles. */
    const settle = async (projectId: string) => {
      const job = api.jobs.jobs.at(-1)!;
      expect(job.projectId).toBe(projectId);
      await runLifecycleJob(lifecycleDeps(), job);
      for (let run = 0; run < 20; run++) {
        await reconcile(lifecycleDeps());
        const status = await projectStatus(projectId);
        if (
          !["provisioning", "starting", "stopping", "deleting"].includes(status)
        )
          return status;
      }
      throw new Error(`project ${projectId} did not settle`);
    };
    const projectStatus = async (projectId: string) => {
      const response = await api.call(
        { action: "status", project_id: projectId },
        { token: owner.token },
      );
      return response.body.data.project.status as string;
    };
    const act = async (action: string, projectId: string) => {
      const response = await api.call(
        { action, project_id: projectId },
        { token: owner.token },
      );
      expect(response.status).toBe(200);
    };

    it("creates, stops, starts and deletes a VM", async () => {
      const created = await api.call(
        {
          action: "create",
          organization_id: organizationId,
          name: "azure-demo",
          region: "westeurope",
        },
        { token: owner.token },
      );
      expect(created.status).toBe(200);
      const projectId: string = created.body.data.project_id;
      const group = `/subscriptions/00000000-0000-4000-8000-000000000001/resourcegroups/synthcore-${projectId}`;

      expect(await settle(projectId)).toBe("active");
      const puts = arm
        .calls()
        .filter((call) => call.startsWith("PUT"))
        .map((call) => call.toLowerCase());
      expect(puts[0]).toBe(`put ${group}`);
      expect(
        puts.some((call) =>
          call.includes("/microsoft.network/virtualnetworks/"),
        ),
      ).toBe(true);
      expect(
        puts.some((call) =>
          call.includes("/microsoft.network/networkinterfaces/"),
        ),
      ).toBe(true);
      expect(puts.at(-1)).toContain("/microsoft.compute/virtualmachines/");

      arm.requests.length = 0;
      await act("stop", projectId);
      expect(await settle(projectId)).toBe("stopped");
      expect(arm.calls().map((call) => call.toLowerCase())).toContainEqual(
        expect.stringMatching(/^post .*\/virtualmachines\/[^/]+\/deallocate$/),
      );
      expect(
        arm.calls().some((call) => call.toLowerCase().endsWith("/poweroff")),
      ).toBe(false);

      arm.requests.length = 0;
      await act("start", projectId);
      expect(await settle(projectId)).toBe("active");
      expect(arm.calls().map((call) => call.toLowerCase())).toContainEqual(
        expect.stringMatching(/^post .*\/virtualmachines\/[^/]+\/start$/),
      );

      arm.requests.length = 0;
      await api.call(
        { action: "delete", project_id: projectId, force: true },
        { token: owner.token },
      );
      expect(await settle(projectId)).toBe("deleted");
      expect(arm.calls().map((call) => call.toLowerCase())).toContain(
        `delete ${group}`,
      );

      const activity = await api.activity(projectId);
      expect(
        activity.filter((action) => action.endsWith("_requested")),
      ).toEqual([
        "vm_create_requested",
        "vm_stop_requested",
        "vm_start_requested",
        "vm_delete_requested",
      ]);
      expect(
        activity.filter((action) =>
          /^vm_(provisioned|stopped|started|deleted)$/.test(action),
        ),
      ).toEqual(["vm_provisioned", "vm_stopped", "vm_started", "vm_deleted"]);
    });

    it("an allocation failure ends in error with the code, and start retries", async () => {
      const projectId = await api.project(owner, organizationId);
      expect(await settle(projectId)).toBe("active");
      await act("stop", projectId);
      expect(await settle(projectId)).toBe("stopped");

      arm.failNext("POST", /\/start$/, {
        status: 409,
        code: "AllocationFailed",
        message: "no capacity in westeurope",
      });
      await act("start", projectId);
      expect(await settle(projectId)).toBe("error");
      const failed = await api.call(
        { action: "status", project_id: projectId },
        { token: owner.token },
      );
      expect(failed.body.data.project.status_reason).toMatch(
        /^AllocationFailed: /,
      );
      expect(failed.body.data.recent_activity[0].action).toBe(
        "vm_start_failed",
      );

      await act("start", projectId);
      expect(await settle(projectId)).toBe("active");
    });
  },
);
