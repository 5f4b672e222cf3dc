import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import { databaseEngines } from "@synthcore/core/testing/database";
import type { GatewayHandler } from "../src/http/types";
import { callDashboard, dashboardHandler } from "./support/dashboard";
import { ALLOWED_ORIGIN, VmApiHarness, type TestUser } from "./support/harness";
import { validBody } from "./support/reporter-fixtures";

describe.each(databaseEngines())("dashboard gateway on %s", (engine) => {
  let api: VmApiHarness;
  let dashboard: GatewayHandler;
  let owner: TestUser;
  let stranger: TestUser;
  let organizationId: string;
  let otherOrganizationId: string;
  let projectId: string;
  let otherProjectId: string;

  beforeAll(async () => {
    api = await VmApiHarness.start(engine);
    dashboard = dashboardHandler(api);
    owner = await api.user("owner@example.com");
    stranger = await api.user("stranger@example.com");
    organizationId = await api.organization(owner);
    otherOrganizationId = await api.organization(stranger);
    projectId = await api.project(owner, organizationId);
    otherProjectId = await api.project(stranger, otherOrganizationId);
  });
  afterAll(() => api.close());

  const read = (body: unknown, token = owner.token) =>
    callDashboard(dashboard, body, { token });

  describe("request checks", () => {
    it("answers 405 for GET and 401 without a token", async () => {
      const get = await callDashboard(dashboard, undefined, { method: "GET" });
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe("POST, OPTIONS");

      const anonymous = await callDashboard(dashboard, {
        action: "organizations",
      });
      expect(anonymous.status).toBe(401);
    });

    it("answers a preflight from an allowed origin", async () => {
      const response = await callDashboard(dashboard, undefined, {
        method: "OPTIONS",
        headers: { origin: ALLOWED_ORIGIN },
      });
      expect(response.status).toBe(204);
      expect(response.headers["access-control-allow-origin"]).toBe(
        ALLOWED_ORIGIN,
      );
    });

    it("names an unknown action and an unknown field", async () => {
      const unknown = await read({ action: "drop_tables" });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatch(/^unknown action "drop_tables"/);

      const extra = await read({ action: "organizations", colour: "red" });
      expect(extra).toMatchObject({
        status: 400,
        body: { error: 'unknown field "colour"' },
      });
    });

    it("rejects a limit out of bounds and a foreign cursor", async () => {
      const cases: [unknown, RegExp][] = [
        [{ action: "organizations", limit: 0 }, /^limit: /],
        [{ action: "organizations", limit: 101 }, /^limit: /],
        [{ action: "organizations", limit: "10" }, /^limit: /],
        [{ action: "organizations", cursor: "not a cursor!" }, /^cursor: /],
        [{ action: "organizations", cursor: "MTIz" }, /^cursor: not a cursor/],
        [{ action: "health", project_id: projectId, limit: 501 }, /^limit: /],
        [{ action: "messages", project_id: projectId, cursor: "" }, /^cursor/],
      ];
      for (const [body, error] of cases) {
        const response = await read(body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(response.body.error).toMatch(error);
      }
    });

    it("limits each user with its own bucket, apart from the VM API's", async () => {
      const limited = dashboardHandler(api, 2);
      const user = await api.user("busy@example.com");
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await callDashboard(
          limited,
          { action: "organizations" },
          { token: user.token },
        );
        statuses.push(response.status);
      }
      expect(statuses).toEqual([200, 200, 429]);

      const vmApi = await api.call(
        { action: "status", project_id: projectId },
        { token: user.token },
      );
      expect(vmApi.status).toBe(403);
    });
  });

  describe("organizations and projects", () => {
    it("lists the user's organizations with their role", async () => {
      const response = await read({ action: "organizations" });
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({
        items: [
          {
            id: organizationId,
            name: "Acme",
            role: "owner",
            created_at: expect.any(String),
          },
        ],
        next_cursor: null,
      });
    });

    it("lists projects newest first with health, page by page", async () => {
      const second = await api.project(owner, organizationId);
      const third = await api.project(owner, organizationId);

      const first = await read({
        action: "projects",
        organization_id: organizationId,
        limit: 2,
      });
      expect(first.status).toBe(200);
      expect(first.body.data.items.map((p: any) => p.id)).toEqual([
        third,
        second,
      ]);
      expect(first.body.data.items[0]).toMatchObject({
        status: "provisioning",
        health_status: "unknown",
        region: "australiaeast",
        latest_health: null,
      });

      const next = await read({
        action: "projects",
        organization_id: organizationId,
        limit: 2,
        cursor: first.body.data.next_cursor,
      });
      expect(next.body.data).toEqual({
        items: [expect.objectContaining({ id: projectId })],
        next_cursor: null,
      });
    });

    /** Sends a report for a new project and returns that project's row in the list. */
    const listedAfter = async (route: string, body: unknown) => {
      const reported = await api.project(owner, organizationId);
      const token = await rotateReporterToken(api.db, reported);
      await api.report(route, body, { projectId: reported, token });

      const response = await read({
        action: "projects",
        organization_id: organizationId,
      });
      return response.body.data.items.find(
        (project: any) => project.id === reported,
      );
    };

    it("returns the latest health's time as ISO 8601 in UTC", async () => {
      const item = await listedAfter("health", {
        ...validBody("health"),
        reported_at: "2026-04-01T16:30:00.123456+02:00",
      });

      expect(item.latest_health.reported_at).toBe("2026-04-01T14:30:00.123Z");
    });

    it.each([
      [
        "2026-04-01T14:31:00Z",
        "2026-04-01T14:30:00Z",
        "2026-04-01T14:31:00.000Z",
      ],
      [
        "2026-04-01T14:30:00.0002Z",
        "2026-04-01T14:30:00.0001Z",
        "2026-04-01T14:30:00.000Z",
      ],
    ])(
      "returns the newest snapshot of a batch, %s, as the latest health",
      async (newerAt, olderAt, shown) => {
        const health = validBody("health");
        const newer = { ...health, disk_percent: 40, reported_at: newerAt };
        const older = { ...health, disk_percent: 86, reported_at: olderAt };

        const item = await listedAfter("batch", {
          items: [
            { route: "health", body: newer },
            { route: "health", body: older },
          ],
        });

        expect(item.health_status).toBe("healthy");
        expect(item.latest_health).toMatchObject({
          disk_percent: 40,
          reported_at: shown,
        });
      },
    );

    it("leaves deleted projects out", async () => {
      const gone = await api.project(owner, organizationId);
      await api.setStatus(gone, "deleted");
      const response = await read({
        action: "projects",
        organization_id: organizationId,
      });
      const ids = response.body.data.items.map((p: any) => p.id);
      expect(ids).toContain(projectId);
      expect(ids).not.toContain(gone);
    });

    it("answers 403 for another organization and its project", async () => {
      const projects = await read({
        action: "projects",
        organization_id: otherOrganizationId,
      });
      expect(projects).toMatchObject({
        status: 403,
        body: { error: `not a member of organization ${otherOrganizationId}` },
      });

      for (const action of ["project", "health", "approvals", "request_log"]) {
        const response = await read({ action, project_id: otherProjectId });
        expect(response.status, action).toBe(403);
        expect(response.body.error).toBe(
          `not a member of project ${otherProjectId}`,
        );
      }
    });

    it("answers the same 403 for a project that does not exist", async () => {
      const missing = randomUUID();
      const response = await read({ action: "project", project_id: missing });
      expect(response).toMatchObject({
        status: 403,
        body: { error: `not a member of project ${missing}` },
      });
    });

    it("returns a project's overview with recent activity", async () => {
      const response = await read({ action: "project", project_id: projectId });
      expect(response.status).toBe(200);
      expect(response.body.data.project).toMatchObject({
        id: projectId,
        organization_id: organizationId,
        organization_name: "Acme",
        status: "provisioning",
        health_status: "unknown",
        vm_size: "Standard_D2s_v3",
        pending_approvals: 0,
        latest_health: null,
      });
      expect(response.body.data.recent_activity).toEqual([
        expect.objectContaining({
          action: "vm_create_requested",
          user_email: "owner@example.com",
        }),
      ]);
    });
  });
});
