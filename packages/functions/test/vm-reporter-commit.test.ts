import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueryResultRow } from "pg";
import { createDatabase, type Database } from "@synthcore/core/db/pool";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import { databaseEngines } from "@synthcore/core/testing/database";
import { createVmReporterHandler } from "../src/vm-reporter-handler";
import { fullBatch, tableCounts, unknownAck } from "./support/batch-fixtures";
import { VmApiHarness, type TestUser } from "./support/harness";
import { validBody } from "./support/reporter-fixtures";
import type { ReporterRoute } from "@synthcore/core/reporter/routes";

/** Builds a reporter whose database keeps the row each report's statement returned. */
function recordingReporter(
  api: VmApiHarness,
  db: Database,
  asyncCommit: boolean,
) {
  const rows: Array<Record<string, unknown>> = [];
  const recording: Database = {
    ...db,
    pool: db.pool,
    queryPrepared: async <R extends QueryResultRow>(
      text: string,
      params?: unknown[],
    ) => {
      const result = await db.queryPrepared<R>(text, params);
      rows.push(result.rows[0]!);
      return result;
    },
  };
  const handler = createVmReporterHandler({
    ...api.reporterServices,
    db: recording,
    asyncCommit,
  });
  return { handler, last: () => rows.at(-1) };
}

const unknownStatus = () => ({
  route: "commands/status",
  body: { command_id: randomUUID(), status: "running" },
});

describe.each(databaseEngines())("reporter commits on %s", (engine) => {
  let api: VmApiHarness;
  let owner: TestUser;
  let projectId: string;
  let token: string;

  beforeAll(async () => {
    api = await VmApiHarness.start(engine);
    owner = await api.user("commits@example.com");
    projectId = await api.project(owner, await api.organization(owner));
    token = await rotateReporterToken(api.db, projectId);
  });
  afterAll(() => api.close());

  const send = (
    reporter: ReturnType<typeof recordingReporter>,
    route: string,
    body: unknown,
  ) => api.report(route, body, { projectId, token, handler: reporter.handler });

  const SAMPLES = [
    "health",
    "conflicts",
    "metrics/tasks",
    "metrics/productivity",
    "metrics/cli-sessions",
  ];
  const samplesOnly: Array<[string, () => unknown]> = [
    ...SAMPLES.map((route): [string, () => unknown] => [
      route,
      () => validBody(route as ReporterRoute),
    ]),
    ["commands/poll", () => ({})],
    [
      "batch",
      () => ({
        items: fullBatch().items.filter((item) => SAMPLES.includes(item.route)),
        max_commands: 5,
      }),
    ],
  ];

  it.each(samplesOnly)("%s commits asynchronously", async (route, body) => {
    const reporter = recordingReporter(api, api.db, true);

    const response = await send(reporter, route, body());

    expect(response.status).toBe(200);
    expect(reporter.last()!.commit_mode).toBe("off");
  });

  const decisive: Array<[string, string, () => unknown]> = [
    ["a message", "messages", () => validBody("messages")],
    ["an audit event", "audit", () => validBody("audit")],
    ["an approval request", "approvals", () => validBody("approvals")],
    ["a batch with an approval", "batch", () => fullBatch()],
    [
      "a batch with an acknowledgement",
      "batch",
      () => ({ items: [unknownAck()] }),
    ],
    [
      "a batch with a command status",
      "batch",
      () => ({ items: [unknownStatus()] }),
    ],
  ];

  it.each(decisive)("%s waits for the flush", async (_, route, body) => {
    const reporter = recordingReporter(api, api.db, true);

    const response = await send(reporter, route, body());

    expect(response.status).toBe(200);
    expect(reporter.last()).not.toHaveProperty("commit_mode");
  });

  it("waits for every flush when turned off", async () => {
    const reporter = recordingReporter(api, api.db, false);

    const response = await send(reporter, "health", validBody("health"));

    expect(response.status).toBe(200);
    expect(reporter.last()).not.toHaveProperty("commit_mode");
  });

  it("leaves the connection's own setting alone", async () => {
    // One connection, so the next statement runs in the same session.
    const single = createDatabase({ url: api.database.url, max: 1 });
    try {
      const reporter = recordingReporter(api, single, true);
      const before = await single.query("SHOW synchronous_commit");

      const response = await send(reporter, "health", validBody("health"));
      const after = await single.query("SHOW synchronous_commit");

      expect(response.status).toBe(200);
      expect(reporter.last()!.commit_mode).toBe("off");
      expect(after.rows).toEqual(before.rows);
      expect(after.rows[0]!.synchronous_commit).toBe("on");
    } finally {
      await single.close();
    }
  });

  it("stores what an asynchronous commit acknowledged", async () => {
    const reporter = recordingReporter(api, api.db, true);
    const before = await tableCounts(api.db, projectId);

    await send(reporter, "health", validBody("health"));
    const after = await tableCounts(api.db, projectId);

    expect(after.health_snapshots).toBe(before.health_snapshots! + 1);
  });
});
