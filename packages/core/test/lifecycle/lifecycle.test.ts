import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  test,
} from "vitest";
import { SimulatedCompute } from "../../src/compute/simulated";
import { InProcessQueue } from "../../src/lifecycle/jobs";
import { reconcile } from "../../src/lifecycle/reconciler";
import { DEFAULT_LIFECYCLE_SETTINGS } from "../../src/lifecycle/settings";
import { completeTransition } from "../../src/lifecycle/transitions";
import { runLifecycleJob } from "../../src/lifecycle/worker";
import {
  databaseEngines,
  openTestDatabase,
  type TestDatabase,
} from "../../src/testing/database";
import { RecordingQueue, activity, loadProject, seedProject } from "./fixtures";

const settings = { ...DEFAULT_LIFECYCLE_SETTINGS, redriveAfterMs: 60_000 };

describe.each(databaseEngines())("lifecycle on %s", (engine) => {
  let test_db: TestDatabase;

  beforeAll(async () => {
    test_db = await openTestDatabase(engine);
  });
  afterAll(() => test_db.close());
  beforeEach(async () => {
    await test_db.db.query("DELETE FROM projects");
  });

  function deps(compute = new SimulatedCompute({ delayMs: 0 })) {
    const jobs = new RecordingQueue();
    return { db: test_db.db, compute, jobs, settings };
  }

  test("create completes via reconciler", async () => {
    const seeded = await seedProject(test_db.db);
    const run = deps();

    const outcome = await runLifecycleJob(run, seeded.job);
    const summary = await reconcile(run);
    const project = await loadProject(test_db.db, seeded.projectId);

    expect(outcome).toBe("started");
    expect(summary.completed).toBe(1);
    expect(project.status).toBe("active");
    expect(project.operation).toBeNull();
    expect(
      (await activity(test_db.db, seeded.projectId)).map((a) => a.action),
    ).toEqual([
      "vm_create_requested",
      "vm_operation_started",
      "vm_provisioned",
    ]);
  });

  test("a stopped VM's health reads unknown", async () => {
    const { projectId } = await seedProject(test_db.db);
    const health = (status: string) =>
      test_db.db.query(
        `INSERT INTO reporter_state (project_id, tat, health_status, last_report_at)
         VALUES ($1, 0, $2, now())
         ON CONFLICT (project_id) DO UPDATE SET health_status = $2`,
        [projectId, status],
      );
    const finish = async (from: "starting" | "stopping") => {
      const { rows } = await test_db.db.query(
        "UPDATE projects SET status = $2 WHERE id = $1 RETURNING version",
        [projectId, from],
      );
      await completeTransition(test_db.db, projectId, rows[0]!.version, from);
      const state = await test_db.db.query(
        "SELECT health_status FROM reporter_state WHERE project_id = $1",
        [projectId],
      );
      return state.rows[0]!.health_status;
    };

    await health("healthy");
    expect(await finish("starting")).toBe("healthy");
    expect(await finish("stopping")).toBe("unknown");
  });

  test("reconciler redrives lost job", async () => {
    const seeded = await seedProject(test_db.db);
    const run = deps();
    await test_db.db.query(
      "UPDATE projects SET job_enqueued_at = now() - interval '5 minutes' WHERE id = $1",
      [seeded.projectId],
    );

    const summary = await reconcile(run);
    const outcome = await runLifecycleJob(run, run.jobs.jobs[0]!);

    expect(summary.redriven).toBe(1);
    expect(run.jobs.jobs).toEqual([seeded.job]);
    expect(outcome).toBe("started");
  });

  test("reconciler skips recent job", async () => {
    await seedProject(test_db.db);
    const run = deps();

    const summary = await reconcile(run);

    expect(summary.redriven).toBe(0);
    expect(run.jobs.jobs).toHaveLength(0);
  });

  test("overdue transition becomes error", async () => {
    const seeded = await seedProject(test_db.db);
    const run = deps(new SimulatedCompute({ delayMs: 3_600_000 }));
    await runLifecycleJob(run, seeded.job);
    await test_db.db.query(
      "UPDATE projects SET transition_deadline = now() - interval '1 second' WHERE id = $1",
      [seeded.projectId],
    );

    const summary = await reconcile(run);
    const project = await loadProject(test_db.db, seeded.projectId);
    const last = (await activity(test_db.db, seeded.projectId)).at(-1)!;

    expect(summary.failed).toBe(1);
    expect(project.status).toBe("error");
    expect(project.status_reason).toBe(
      'DeadlineExceeded: "provisioning" did not finish within 15 minutes',
    );
    expect(last.action).toBe("vm_provision_failed");
    expect(last.details.code).toBe("DeadlineExceeded");
  });

  test("permanent rejection becomes error", async () => {
    const seeded = await seedProject(test_db.db);
    const compute = new SimulatedCompute({ delayMs: 0 });
    compute.failNext("create", { code: "QuotaExceeded", at: "begin" });

    const outcome = await runLifecycleJob(deps(compute), seeded.job);
    const project = await loadProject(test_db.db, seeded.projectId);

    expect(outcome).toBe("failed");
    expect(project.status).toBe("error");
    expect(project.status_reason).toMatch(/^QuotaExceeded: /);
  });

  test("transient error is rethrown", async () => {
    const seeded = await seedProject(test_db.db);
    const compute = new SimulatedCompute({ delayMs: 0 });
    compute.failNext("create", {
      code: "TooManyRequests",
      at: "begin",
      transient: true,
    });

    await expect(runLifecycleJob(deps(compute), seeded.job)).rejects.toThrow(
      /TooManyRequests/,
    );
    const project = await loadProject(test_db.db, seeded.projectId);

    expect(project.status).toBe("provisioning");
    expect(project.operation).toBeNull();
  });

  test("worker and reconciler race", async () => {
    const seeded = await seedProject(test_db.db);
    const compute = new SimulatedCompute({ delayMs: 0 });
    const queue = new InProcessQueue(async (job) => {
      await runLifecycleJob({ db: test_db.db, compute }, job);
    });
    const run = {
      db: test_db.db,
      compute,
      jobs: queue,
      settings: { ...settings, redriveAfterMs: 0 },
    };
    await test_db.db.query(
      "UPDATE projects SET job_enqueued_at = now() - interval '1 second' WHERE id = $1",
      [seeded.projectId],
    );

    await Promise.all([
      runLifecycleJob(run, seeded.job),
      reconcile(run),
      reconcile(run),
    ]);
    await queue.drain();
    await reconcile(run);
    const project = await loadProject(test_db.db, seeded.projectId);
    const actions = (await activity(test_db.db, seeded.projectId)).map(
      (a) => a.action,
    );

    expect(project.status).toBe("active");
    expect(actions.filter((a) => a === "vm_operation_started")).toHaveLength(1);
    expect(actions.filter((a) => a === "vm_provisioned")).toHaveLength(1);
  });

  test("two reconcilers race", async () => {
    const seeded = await seedProject(test_db.db);
    const run = deps();
    await runLifecycleJob(run, seeded.job);

    const summaries = await Promise.all([reconcile(run), reconcile(run)]);
    const actions = (await activity(test_db.db, seeded.projectId)).map(
      (a) => a.action,
    );

    expect(summaries.map((s) => s.completed).sort()).toEqual([0, 1]);
    expect(actions.filter((a) => a === "vm_provisioned")).toHaveLength(1);
    expect((await loadProject(test_db.db, seeded.projectId)).version).toBe(2);
  });
});
