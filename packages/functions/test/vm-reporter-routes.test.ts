import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import { databaseEngines } from "@synthcore/core/testing/database";
import { VmApiHarness, type TestUser } from "./support/harness";
import { lastLog, validBody } from "./support/reporter-fixtures";

describe.each(databaseEngines())("vm-reporter telemetry on %s", (engine) => {
  let api: VmApiHarness;
  let owner: TestUser;
  let projectId: string;
  let token: string;

  beforeAll(async () => {
    api = await VmApiHarness.start(engine);
    owner = await api.user("telemetry@example.com");
    projectId = await api.project(owner, await api.organization(owner));
    token = await rotateReporterToken(api.db, projectId);
  });
  afterAll(() => api.close());

  const send = (route: string, body: unknown) =>
    api.report(route, body, { projectId, token });
  const rows = async (sql: string) =>
    (await api.db.query(sql, [projectId])).rows;

  it("health stores a snapshot and updates the project's health", async () => {
    const response = await send("health", validBody("health"));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      data: { health_status: "healthy", received_at: expect.any(String) },
    });
    expect(
      await rows(
        "SELECT cpu_percent, disk_percent, agents, reported_at FROM health_snapshots WHERE project_id = $1",
      ),
    ).toEqual([
      {
        cpu_percent: 12.5,
        disk_percent: 55,
        agents: { planner: { status: "running", current_task: "T-1" } },
        reported_at: new Date("2026-04-01T14:30:00Z"),
      },
    ]);
    expect(
      await rows(
        "SELECT health_status, last_report_at IS NOT NULL AS reported FROM reporter_state WHERE project_id = $1",
      ),
    ).toEqual([{ health_status: "healthy", reported: true }]);
    expect(await lastLog(api.db, projectId)).toMatchObject({
      route: "health",
      status: 200,
      error: null,
    });
  });

  it.each([
    [{ disk_percent: 97 }, "unhealthy"],
    [{ agents: { coder: { status: "error" } } }, "unhealthy"],
    [{ cpu_percent: 95 }, "degraded"],
    [{ agents: { coder: { status: "stopped" } } }, "degraded"],
  ])("health %j reads as %s", async (change, expected) => {
    const response = await send("health", {
      ...validBody("health"),
      ...change,
    });

    expect(response.body.data.health_status).toBe(expected);
  });

  it("health returns the snapshot's stored time", async () => {
    const response = await send("health", validBody("health"));
    const stored = await rows(
      "SELECT received_at FROM health_snapshots WHERE project_id = $1 ORDER BY id DESC LIMIT 1",
    );

    expect(new Date(response.body.data.received_at)).toEqual(
      stored[0]!.received_at,
    );
  });

  it("fails loudly for a project that lost its reporter row", async () => {
    const other = await api.project(owner, await api.organization(owner));
    const otherToken = await rotateReporterToken(api.db, other);
    await api.db.query("DELETE FROM reporter_state WHERE project_id = $1", [
      other,
    ]);

    const response = await api.report("health", validBody("health"), {
      projectId: other,
      token: otherToken,
    });

    // A 429 here would reject every later report of the project too.
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: "internal server error" });
    const snapshots = await api.db.query<{ n: number }>(
      "SELECT count(*)::int8 AS n FROM health_snapshots WHERE project_id = $1",
      [other],
    );
    expect(snapshots.rows[0]!.n).toBe(0);
  });

  it("keeps a stopped project's health when a late report arrives", async () => {
    await send("health", validBody("health"));
    const { status } = (
      await rows("SELECT status FROM projects WHERE id = $1")
    )[0]!;
    await api.db.query(
      "UPDATE reporter_state SET health_status = 'unknown' WHERE project_id = $1",
      [projectId],
    );
    await api.db.query("UPDATE projects SET status = 'stopped' WHERE id = $1", [
      projectId,
    ]);

    const late = await send("health", validBody("health"));

    expect(late.status).toBe(200);
    expect(
      await rows(
        "SELECT health_status FROM reporter_state WHERE project_id = $1",
      ),
    ).toEqual([{ health_status: "unknown" }]);
    await api.db.query("UPDATE projects SET status = $2 WHERE id = $1", [
      projectId,
      status,
    ]);
  });

  it("status reads a project silent for three intervals as unreachable", async () => {
    await send("health", validBody("health"));
    const status = () =>
      api.call(
        { action: "status", project_id: projectId },
        { token: owner.token },
      );
    expect((await status()).body.data.project.health_status).toBe("healthy");

    await api.db.query(
      "UPDATE reporter_state SET last_report_at = now() - interval '181 seconds' WHERE project_id = $1",
      [projectId],
    );
    expect((await status()).body.data.project.health_status).toBe(
      "unreachable",
    );
  });

  it.each([
    [
      "messages",
      "agent_messages",
      "SELECT agent, role, content FROM agent_messages WHERE project_id = $1 ORDER BY id",
      [
        { agent: "planner", role: "assistant", content: "Plan ready" },
        { agent: "coder", role: "user", content: "Go" },
      ],
    ],
    [
      "audit",
      "audit_events",
      "SELECT agent, action, target, outcome, details FROM audit_events WHERE project_id = $1",
      [
        {
          agent: "coder",
          action: "git.push",
          target: "main",
          outcome: "success",
          details: {},
        },
      ],
    ],
    [
      "conflicts",
      "conflict_reports",
      "SELECT branch, conflicts_detected, files, syncs_failed FROM conflict_reports WHERE project_id = $1",
      [
        {
          branch: "feature/x",
          conflicts_detected: 2,
          files: ["src/a.ts"],
          syncs_failed: 1,
        },
      ],
    ],
    [
      "metrics/tasks",
      "task_metrics",
      "SELECT assigned, completed, failed, drifted FROM task_metrics WHERE project_id = $1",
      [{ assigned: 4, completed: 2, failed: 1, drifted: 1 }],
    ],
    [
      "metrics/productivity",
      "productivity_metrics",
      "SELECT commits, lines_added, active_seconds FROM productivity_metrics WHERE project_id = $1",
      [{ commits: 3, lines_added: 120, active_seconds: 1500 }],
    ],
    [
      "metrics/cli-sessions",
      "cli_sessions",
      "SELECT session_id, tool, exit_code, input_tokens FROM cli_sessions WHERE project_id = $1",
      [
        {
          session_id: "s-1",
          tool: "claude-code",
          exit_code: 0,
          input_tokens: 5000,
        },
      ],
    ],
  ] as const)(
    "%s stores the batch in %s",
    async (route, _table, sql, expected) => {
      const body = validBody(route);
      const response = await send(route, body);

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        success: true,
        data: { accepted: (Object.values(body)[0] as unknown[]).length },
      });
      expect(await rows(sql)).toEqual(expected);
      expect(await lastLog(api.db, projectId)).toMatchObject({
        route,
        status: 200,
      });
    },
  );

  it.each([
    [
      "health",
      "SELECT health_status, cpu_percent, memory_percent, disk_percent, load_1m, load_5m, load_15m, uptime_seconds, agents, reported_at FROM health_snapshots WHERE project_id = $1 ORDER BY id DESC LIMIT 3",
    ],
    [
      "conflicts",
      "SELECT agent, branch, conflicts_detected, conflicts_resolved, files, syncs_succeeded, syncs_failed, last_sync_at, reported_at FROM conflict_reports WHERE project_id = $1 ORDER BY id DESC LIMIT 3",
    ],
    [
      "audit",
      "SELECT agent, action, target, outcome, details, occurred_at FROM audit_events WHERE project_id = $1 ORDER BY id DESC LIMIT 3",
    ],
  ] as const)("%s stores one row like several", async (route, sql) => {
    // A lone row travels as typed parameters, several as one JSON array.
    const body = validBody(route);
    const alone = await send(route, body);
    const together = await api.report(
      "batch",
      { items: [body, body].map((item) => ({ route, body: item })) },
      { projectId, token },
    );

    expect(alone.status).toBe(200);
    expect(together.status).toBe(200);
    const [first, second, third] = await rows(sql);
    expect(first).toEqual(second);
    expect(first).toEqual(third);
  });

  it("a CLI session reported again updates its row", async () => {
    const body = validBody("metrics/cli-sessions");
    const session = (body.sessions as object[])[0]!;
    await send("metrics/cli-sessions", {
      sessions: [{ ...session, session_id: "s-2", commands_run: 1 }],
    });
    await send("metrics/cli-sessions", {
      sessions: [{ ...session, session_id: "s-2", commands_run: 9 }],
    });

    expect(
      await rows(
        "SELECT commands_run FROM cli_sessions WHERE project_id = $1 AND session_id = 's-2'",
      ),
    ).toEqual([{ commands_run: 9 }]);
  });

  it("rejects a batch over 100 items", async () => {
    const message = (validBody("messages").messages as object[])[0];
    const response = await send("messages", {
      messages: Array.from({ length: 101 }, () => message),
    });

    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/^messages: Too big/);
  });

  it("rejects metrics whose period ends before it starts", async () => {
    const metric = (validBody("metrics/tasks").metrics as object[])[0];
    const response = await send("metrics/tasks", {
      metrics: [{ ...metric, period_end: "2026-04-01T13:00:00Z" }],
    });

    expect(response.status).toBe(400);
    expect(response.body.error).toBe(
      "metrics.0: period_end is before period_start",
    );
  });
});
