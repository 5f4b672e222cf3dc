import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import { databaseEngines } from "@synthcore/core/testing/database";
import { createVmReporterHandler } from "../src/vm-reporter-handler";
import { VmApiHarness, type TestUser } from "./support/harness";
import { fullBatch, tableCounts, unknownAck } from "./support/batch-fixtures";
import { lastLog, validBody } from "./support/reporter-fixtures";

describe.each(databaseEngines())("vm-reporter batch on %s", (engine) => {
  let api: VmApiHarness;
  let owner: TestUser;
  let organizationId: string;

  beforeAll(async () => {
    api = await VmApiHarness.start(engine);
    owner = await api.user("batch@example.com");
    organizationId = await api.organization(owner);
  });
  afterAll(() => api.close());

  const vm = async () => {
    const projectId = await api.project(owner, organizationId);
    const token = await rotateReporterToken(api.db, projectId);
    const batch = (body: unknown, options = {}) =>
      api.report("batch", body, { projectId, token, ...options });
    const command = async () => {
      const response = await api.call(
        {
          action: "send_command",
          project_id: projectId,
          command: "stop_agents",
        },
        { token: owner.token },
      );
      return response.body.data.command_id as string;
    };
    return { projectId, token, batch, command };
  };

  it("writes every item, answers each and logs one row listing them", async () => {
    const { projectId, batch } = await vm();
    const response = await batch(fullBatch());

    expect(response.status).toBe(200);
    const { results, commands, report_interval_seconds } = response.body.data;
    expect(results.map((result: any) => [result.route, result.status])).toEqual(
      fullBatch().items.map((item) => [item.route, 200]),
    );
    expect(results[0].data).toEqual({
      health_status: "healthy",
      received_at: expect.any(String),
    });
    expect(results[1].data).toEqual({ accepted: 2 });
    expect(results.at(-1).data).toMatchObject({ status: "pending" });
    expect(commands).toEqual([]);
    expect(report_interval_seconds).toBe(60);
    expect(Object.values(await tableCounts(api.db, projectId))).toEqual([
      1, 2, 1, 1, 1, 1, 1, 1,
    ]);
    const { rows } = await api.db.query(
      "SELECT route, status, items FROM vm_reporter_request_log WHERE project_id = $1",
      [projectId],
    );
    expect(rows).toEqual([
      {
        route: "batch",
        status: 200,
        items: {
          health: 1,
          messages: 1,
          audit: 1,
          conflicts: 1,
          "metrics/tasks": 1,
          "metrics/productivity": 1,
          "metrics/cli-sessions": 1,
          approvals: 1,
          "commands/poll": 1,
        },
      },
    ]);
  });

  it("rejects the whole batch for one invalid item, naming its path", async () => {
    const { projectId, batch } = await vm();
    const bad = {
      route: "health",
      body: { ...validBody("health"), cpu_percent: 150 },
    };
    const response = await batch(fullBatch([bad]));

    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/^items\.8\.body\.cpu_percent: /);
    expect(Object.values(await tableCounts(api.db, projectId))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(await lastLog(api.db, projectId)).toMatchObject({
      route: "batch",
      status: 400,
    });
  });

  it("rejects an unknown route in an item and an approval sent twice", async () => {
    const { batch } = await vm();
    const unknown = await batch({
      items: [{ route: "commands/poll", body: {} }],
    });
    const approval = { route: "approvals", body: validBody("approvals") };
    const twice = await batch({ items: [approval, approval] });

    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(
      /^items\.0\.route: expected one of health, .*; a batch polls for commands with its max_commands field$/,
    );
    expect(twice.status).toBe(400);
    expect(twice.body.error).toMatch(
      /^items\.1\.body\.approval_id: .* more than one item/,
    );
  });

  it("answers 401 for a bad token before anything else and writes nothing", async () => {
    const { projectId, batch } = await vm();
    const forged = `scr_${"B".repeat(43)}`;
    const response = await batch(fullBatch(), { token: forged });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: `reporter token is invalid or revoked; an operator mints a new one with "synthcore token reporter --project ${projectId}"`,
    });
    expect(Object.values(await tableCounts(api.db, projectId))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(await lastLog(api.db, projectId)).toMatchObject({ status: 401 });
  });

  it("leases commands, takes their results and fails only the bad item", async () => {
    const { projectId, batch, command } = await vm();
    const id = await command();
    const first = await batch({ items: [], max_commands: 5 });
    expect(first.body.data.commands.map((c: any) => c.command_id)).toEqual([
      id,
    ]);

    const done = {
      route: "commands/status",
      body: { command_id: id, status: "succeeded", result: "ok" },
    };
    const second = await batch(fullBatch([done, unknownAck()]));
    const results = second.body.data.results;

    expect(second.status).toBe(200);
    expect(results.at(-2)).toEqual({
      route: "commands/status",
      status: 200,
      data: { command_id: id, status: "succeeded" },
    });
    expect(results.at(-1)).toMatchObject({
      route: "approvals/ack",
      status: 404,
    });
    expect(results.at(-1).error).toMatch(/^approval .* not found$/);
    const { rows } = await api.db.query(
      "SELECT status, result FROM commands WHERE id = $1",
      [id],
    );
    expect(rows).toEqual([{ status: "succeeded", result: "ok" }]);
    expect((await tableCounts(api.db, projectId)).health_snapshots).toBe(1);

    const back = {
      route: "commands/status",
      body: { command_id: id, status: "running" },
    };
    const third = await batch({ items: [back], max_commands: 0 });
    expect(third.body.data.results[0]).toMatchObject({ status: 409 });
  });

  it("rejects two statuses per command", async () => {
    const { batch, command } = await vm();
    const id = await command();
    await batch({ items: [], max_commands: 5 });
    const running = {
      route: "commands/status",
      body: { command_id: id, status: "running" },
    };
    const done = {
      route: "commands/status",
      body: { command_id: id, status: "succeeded" },
    };

    const response = await batch({ items: [running, done] });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(
      /^items\.1\.body\.command_id: command .* has more than one status in this batch/,
    );
    const { rows } = await api.db.query(
      "SELECT status FROM commands WHERE id = $1",
      [id],
    );
    expect(rows).toEqual([{ status: "delivered" }]);
  });

  it("compares command ids without case", async () => {
    const { batch, command } = await vm();
    const id = await command();
    await batch({ items: [], max_commands: 5 });
    const lower = {
      route: "commands/status",
      body: { command_id: id.toLowerCase(), status: "running" },
    };
    const upper = {
      route: "commands/status",
      body: { command_id: id.toUpperCase(), status: "succeeded" },
    };

    const response = await batch({ items: [lower, upper] });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/^items\.1\.body\.command_id: /);
  });

  it("skips leasing a reported command", async () => {
    const { batch, command } = await vm();
    const id = await command();
    await batch({ items: [], max_commands: 5 });
    api.clock.advance(10 * 60_000);
    const done = {
      route: "commands/status",
      body: { command_id: id, status: "succeeded" },
    };

    const response = await batch({ items: [done], max_commands: 5 });

    expect(response.body.data.results[0]).toMatchObject({ status: 200 });
    expect(response.body.data.commands).toEqual([]);
    const { rows } = await api.db.query(
      "SELECT status, deliveries FROM commands WHERE id = $1",
      [id],
    );
    expect(rows).toEqual([{ status: "succeeded", deliveries: 1 }]);
  });

  const oneTokenHandler = () =>
    createVmReporterHandler({
      ...api.reporterServices,
      reportIntervalSeconds: 30,
      reporterRateLimit: { capacity: 1 },
    });

  it("takes one rate-limit token for a whole batch", async () => {
    const { batch } = await vm();
    const handler = oneTokenHandler();
    const first = await batch(fullBatch(), { handler });
    const second = await batch(fullBatch(), { handler });

    expect(first.status).toBe(200);
    expect(first.body.data.report_interval_seconds).toBe(30);
    expect(second.status).toBe(429);
  });

  it("takes no token when the reporter token is bad", async () => {
    const { batch } = await vm();
    const handler = oneTokenHandler();
    const forged = `scr_${"D".repeat(43)}`;
    const rejected = await batch(fullBatch(), { handler, token: forged });
    const accepted = await batch(fullBatch(), { handler });

    expect(rejected.status).toBe(401);
    expect(accepted.status).toBe(200);
  });
  it("answers each health item with its own health", async () => {
    const { projectId, batch } = await vm();
    const newer = {
      ...validBody("health"),
      reported_at: "2026-04-01T14:31:00Z",
    };
    const older = {
      ...validBody("health"),
      disk_percent: 86,
      reported_at: "2026-04-01T14:30:00Z",
    };

    // The newer report comes first: the project takes its health from it.
    const response = await batch({
      items: [
        { route: "health", body: newer },
        { route: "health", body: older },
      ],
    });

    expect(response.status).toBe(200);
    const statuses = response.body.data.results.map(
      (result: any) => result.data.health_status,
    );
    expect(statuses).toEqual(["healthy", "degraded"]);
    const { rows } = await api.db.query(
      "SELECT health_status FROM reporter_state WHERE project_id = $1",
      [projectId],
    );
    expect(rows).toEqual([{ health_status: "healthy" }]);
  });

  it.each([
    [
      "an unpaired surrogate",
      String.raw`"x \ud800 y"`,
      "items.1.body.messages.0.content",
    ],
    [
      "a NUL character",
      String.raw`"x \u0000 y"`,
      "items.1.body.messages.0.content",
    ],
  ])("rejects %s in a text field", async (_label, escaped, path) => {
    const { projectId, batch } = await vm();
    const message = (validBody("messages").messages as object[])[0];
    const body = JSON.stringify({
      items: [
        { route: "health", body: validBody("health") },
        { route: "messages", body: { messages: [message, message] } },
      ],
    }).replace('"Plan ready"', escaped);

    const response = await batch(body);

    expect(response.status).toBe(400);
    expect(response.body.error).toBe(
      `${path}: contains a NUL character or an unpaired surrogate, which PostgreSQL text cannot store`,
    );
    expect(Object.values(await tableCounts(api.db, projectId))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it("stores an escaped surrogate pair", async () => {
    const { projectId, batch } = await vm();
    const message = (validBody("messages").messages as object[])[0];
    const body = JSON.stringify({
      items: [{ route: "messages", body: { messages: [message] } }],
    }).replace('"Plan ready"', String.raw`"done \ud83d\ude00"`);

    const response = await batch(body);

    expect(response.status).toBe(200);
    const { rows } = await api.db.query(
      "SELECT content FROM agent_messages WHERE project_id = $1",
      [projectId],
    );
    expect(rows).toEqual([{ content: "done \u{1F600}" }]);
  });

  it.each([
    "0000-01-01T10:00:00Z",
    "1970-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59.9999999Z",
  ])("rejects the time %s", async (reportedAt) => {
    const { projectId, batch } = await vm();
    const response = await batch({
      items: [
        {
          route: "health",
          body: { ...validBody("health"), reported_at: reportedAt },
        },
      ],
    });

    expect(response.status).toBe(400);
    expect(response.body.error).toBe(
      "items.0.body.reported_at: expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z",
    );
    expect((await tableCounts(api.db, projectId)).health_snapshots).toBe(0);
  });

  it("logs a rejected NUL in a key without the NUL", async () => {
    const { projectId, token } = await vm();
    const body = JSON.stringify(validBody("health")).replace(
      '"planner"',
      String.raw`"plan\u0000ner"`,
    );

    const response = await api.report("health", body, { projectId, token });

    const reason =
      "contains a NUL character or an unpaired surrogate, which PostgreSQL text cannot store";
    expect(response.status).toBe(400);
    expect(response.body.error).toBe(`agents.plan\u0000ner: ${reason}`);
    // The request log stores the message with the NUL replaced.
    expect(await lastLog(api.db, projectId)).toMatchObject({
      route: "health",
      status: 400,
      error: `agents.plan\uFFFDner: ${reason}`,
    });
  });
});
