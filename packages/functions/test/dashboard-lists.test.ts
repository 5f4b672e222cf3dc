import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import { databaseEngines } from "@synthcore/core/testing/database";
import type { GatewayHandler } from "../src/http/types";
import { callDashboard, dashboardHandler } from "./support/dashboard";
import { VmApiHarness, type TestUser } from "./support/harness";
import { validBody } from "./support/reporter-fixtures";

describe.each(databaseEngines())("dashboard lists on %s", (engine) => {
  let api: VmApiHarness;
  let dashboard: GatewayHandler;
  let owner: TestUser;
  let projectId: string;
  let token: string;

  const report = (route: string, body: unknown) =>
    api.report(route, body, { projectId, token });
  const list = async (action: string, fields: object = {}) => {
    const response = await callDashboard(
      dashboard,
      { action, project_id: projectId, ...fields },
      { token: owner.token },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.data as { items: any[]; next_cursor: string | null };
  };

  beforeAll(async () => {
    api = await VmApiHarness.start(engine);
    dashboard = dashboardHandler(api);
    owner = await api.user("lists@example.com");
    projectId = await api.project(owner, await api.organization(owner));
    await api.setStatus(projectId, "active");
    token = await rotateReporterToken(api.db, projectId);
    for (const route of [
      "health",
      "messages",
      "audit",
      "metrics/tasks",
      "metrics/productivity",
      "metrics/cli-sessions",
    ]) {
      const response = await report(route, validBody(route as never));
      expect(response.status, route).toBe(200);
    }
    await report("health", { ...validBody("health"), cpu_percent: 80 });
    await api.report("health", {}, { projectId, token: "wrong" });
  });
  afterAll(() => api.close());

  it("pages health history newest first without repeats", async () => {
    const first = await list("health", { limit: 1 });
    expect(first.items).toEqual([
      expect.objectContaining({ cpu_percent: 80, health_status: "healthy" }),
    ]);
    const second = await list("health", {
      limit: 1,
      cursor: first.next_cursor,
    });
    expect(second.items[0]).toMatchObject({ cpu_percent: 12.5 });
    expect(second.next_cursor).toBeNull();
  });

  it("lists messages, filtered by agent", async () => {
    expect((await list("messages")).items).toHaveLength(2);
    const planner = await list("messages", { agent: "planner" });
    expect(planner.items).toEqual([
      expect.objectContaining({ agent: "planner", content: "Plan ready" }),
    ]);
  });

  it("lists audit events and the three metrics", async () => {
    expect((await list("audit")).items[0]).toMatchObject({
      action: "git.push",
      outcome: "success",
    });
    expect((await list("task_metrics")).items).not.toHaveLength(0);
    expect((await list("productivity_metrics")).items).not.toHaveLength(0);
    expect((await list("cli_sessions")).items).not.toHaveLength(0);
  });

  it("filters the request log by route and status", async () => {
    const all = await list("request_log");
    expect(all.items.length).toBeGreaterThanOrEqual(8);
    const rejected = await list("request_log", { status: 401 });
    expect(rejected.items).toEqual([
      expect.objectContaining({
        route: "health",
        status: 401,
        error: expect.any(String),
        latency_ms: expect.any(Number),
      }),
    ]);
    const audit = await list("request_log", { route: "audit" });
    expect(audit.items.map((row) => row.route)).toEqual(["audit"]);
    expect(audit.items[0]).toHaveProperty("items");
  });

  it("lists commands with their status and the sender", async () => {
    const sent = await api.call(
      { action: "send_command", project_id: projectId, command: "stop_agents" },
      { token: owner.token },
    );
    expect(sent.status).toBe(200);
    const commands = await list("commands");
    expect(commands.items[0]).toMatchObject({
      type: "stop_agents",
      status: "queued",
      created_by_email: "lists@example.com",
    });
  });

  it("reads approvals past their expiry as expired", async () => {
    const live = randomUUID();
    const stale = randomUUID();
    for (const id of [live, stale]) {
      const response = await report("approvals", {
        ...validBody("approvals"),
        approval_id: id,
      });
      expect(response.status).toBe(200);
    }
    await api.db.query(
      "UPDATE approvals SET expires_at = now() - interval '1 minute' WHERE id = $1",
      [stale],
    );

    const pending = await list("approvals", { status: "pending" });
    expect(pending.items.map((a) => a.approval_id)).toEqual([live]);
    const expired = await list("approvals", { status: "expired" });
    expect(expired.items.map((a) => a.approval_id)).toEqual([stale]);
    const all = await list("approvals", { limit: 1 });
    expect(all.next_cursor).not.toBeNull();
    const rest = await list("approvals", { cursor: all.next_cursor });
    expect([...all.items, ...rest.items]).toHaveLength(2);
  });

  it("lists the project's activity", async () => {
    const activity = await list("activity");
    expect(activity.items.map((entry) => entry.action)).toContain(
      "vm_create_requested",
    );
  });
});
