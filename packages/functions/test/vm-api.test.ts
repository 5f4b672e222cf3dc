import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseEngines } from "@synthcore/core/testing/database";
import { ALLOWED_ORIGIN, VmApiHarness, type TestUser } from "./support/harness";

describe.each(databaseEngines())("vm-api on %s", (engine) => {
  let api: VmApiHarness;
  let owner: TestUser;
  let organizationId: string;

  beforeAll(async () => {
    api = await VmApiHarness.start(engine);
    owner = await api.user("owner@example.com");
    organizationId = await api.organization(owner);
  });
  afterAll(() => api.close());

  const projectCount = async () => {
    const { rows } = await api.db.query<{ count: number }>(
      "SELECT count(*)::int8 AS count FROM projects",
    );
    return rows[0]!.count;
  };

  describe("create", () => {
    it("returns the new project in provisioning", async () => {
      const response = await api.call(
        { action: "create", organization_id: organizationId, name: "alpha" },
        { token: owner.token },
      );

      expect(response.status).toBe(200);
      expect(response.body.success).toBe(true);
      expect(response.body.data).toEqual({
        project_id: expect.any(String),
        status: "provisioning",
      });
    });

    it("stores defaults, owner membership, activity and a job", async () => {
      const jobsBefore = api.jobs.jobs.length;
      const projectId = await api.project(owner, organizationId);

      const { rows } = await api.db.query(
        "SELECT status, region, vm_size, version, transition_deadline > now() AS has_deadline FROM projects WHERE id = $1",
        [projectId],
      );
      expect(rows[0]).toEqual({
        status: "provisioning",
        region: "australiaeast",
        vm_size: "Standard_D2s_v3",
        version: 1,
        has_deadline: true,
      });
      const members = await api.db.query(
        "SELECT user_id, role FROM project_members WHERE project_id = $1",
        [projectId],
      );
      expect(members.rows).toEqual([{ user_id: owner.id, role: "owner" }]);
      expect(await api.activity(projectId)).toEqual(["vm_create_requested"]);
      expect(api.jobs.jobs.slice(jobsBefore)).toEqual([
        { projectId, status: "provisioning", version: 1 },
      ]);
    });

    it("accepts region and vm_size", async () => {
      const response = await api.call(
        {
          action: "create",
          organization_id: organizationId,
          name: "beta",
          region: "westeurope",
          vm_size: "Standard_D4s_v5",
        },
        { token: owner.token },
      );
      const { rows } = await api.db.query(
        "SELECT region, vm_size FROM projects WHERE id = $1",
        [response.body.data.project_id],
      );

      expect(rows[0]).toEqual({
        region: "westeurope",
        vm_size: "Standard_D4s_v5",
      });
    });

    it("rejects a non-member of the organization with 403 and writes nothing", async () => {
      const outsider = await api.user("outsider-create@example.com");
      const before = await projectCount();

      const response = await api.call(
        { action: "create", organization_id: organizationId, name: "intruder" },
        { token: outsider.token },
      );

      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        error: `not a member of organization ${organizationId}`,
      });
      expect(await projectCount()).toBe(before);
    });

    it("rejects an unknown organization with 403", async () => {
      const unknown = randomUUID();
      const response = await api.call(
        { action: "create", organization_id: unknown, name: "x" },
        { token: owner.token },
      );

      expect(response.status).toBe(403);
      expect(response.body.error).toBe(
        `not a member of organization ${unknown}`,
      );
    });

    it("lets any organization member create", async () => {
      const member = await api.user("member-create@example.com");
      await api.db.query(
        "INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, 'member')",
        [organizationId, member.id],
      );
      const response = await api.call(
        { action: "create", organization_id: organizationId, name: "m" },
        { token: member.token },
      );

      expect(response.status).toBe(200);
    });
  });

  describe("transitions", () => {
    it("stop moves active to stopping and sends a job", async () => {
      const projectId = await api.project(owner, organizationId);
      await api.setStatus(projectId, "active");
      const jobsBefore = api.jobs.jobs.length;

      const response = await api.call(
        { action: "stop", project_id: projectId },
        { token: owner.token },
      );

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        success: true,
        data: { project_id: projectId, status: "stopping" },
      });
      expect(await api.activity(projectId)).toEqual([
        "vm_create_requested",
        "vm_stop_requested",
      ]);
      expect(api.jobs.jobs.slice(jobsBefore)).toEqual([
        { projectId, status: "stopping", version: 3 },
      ]);
    });

    it("stop accepts running", async () => {
      const projectId = await api.project(owner, organizationId);
      await api.setStatus(projectId, "running");

      const response = await api.call(
        { action: "stop", project_id: projectId },
        { token: owner.token },
      );

      expect(response.status).toBe(200);
      expect(response.body.data.status).toBe("stopping");
    });

    it("start moves stopped to starting", async () => {
      const projectId = await api.project(owner, organizationId);
      await api.setStatus(projectId, "stopped");

      const response = await api.call(
        { action: "start", project_id: projectId },
        { token: owner.token },
      );

      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({
        project_id: projectId,
        status: "starting",
      });
      expect((await api.activity(projectId)).at(-1)).toBe("vm_start_requested");
    });

    it("delete moves stopped to deleting", async () => {
      const projectId = await api.project(owner, organizationId);
      await api.setStatus(projectId, "stopped");

      const response = await api.call(
        { action: "delete", project_id: projectId },
        { token: owner.token },
      );

      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({
        project_id: projectId,
        status: "deleting",
      });
      expect((await api.activity(projectId)).at(-1)).toBe(
        "vm_delete_requested",
      );
    });

    it("delete with force works from active", async () => {
      const projectId = await api.project(owner, organizationId);
      await api.setStatus(projectId, "active");

      const response = await api.call(
        { action: "delete", project_id: projectId, force: true },
        { token: owner.token },
      );

      expect(response.status).toBe(200);
      expect(response.body.data.status).toBe("deleting");
    });

    it("start, stop and delete are allowed from error", async () => {
      for (const action of ["start", "stop", "delete"]) {
        const projectId = await api.project(owner, organizationId);
        await api.setStatus(projectId, "error");

        const response = await api.call(
          { action, project_id: projectId },
          { token: owner.token },
        );

        expect(response.status, action).toBe(200);
      }
    });

    it.each([
      [
        "start",
        "active",
        'project is "active"; start requires "stopped" or "error"',
      ],
      [
        "stop",
        "stopped",
        'project is "stopped"; stop requires "active", "running" or "error"',
      ],
      [
        "stop",
        "provisioning",
        'project is "provisioning"; stop requires "active", "running" or "error"',
      ],
      [
        "delete",
        "active",
        'project is "active"; delete requires "stopped" or "error"',
      ],
    ])(
      "%s from %s is a 400 naming both states",
      async (action, status, message) => {
        const projectId = await api.project(owner, organizationId);
        await api.setStatus(projectId, status);
        const activityBefore = await api.activity(projectId);

        const response = await api.call(
          { action, project_id: projectId },
          { token: owner.token },
        );

        expect(response.status).toBe(400);
        expect(response.body).toEqual({ error: message });
        expect(await api.activity(projectId)).toEqual(activityBefore);
      },
    );

    it("forced delete of a deleted project is a 400", async () => {
      const projectId = await api.project(owner, organizationId);
      await api.setStatus(projectId, "deleted");

      const response = await api.call(
        { action: "delete", project_id: projectId, force: true },
        { token: owner.token },
      );

      expect(response.status).toBe(400);
      expect(response.body.error).toBe(
        'project is "deleted"; delete is not possible from "deleted"',
      );
    });

    it("20 concurrent stops of one project: exactly one wins", async () => {
      const projectId = await api.project(owner, organizationId);
      await api.setStatus(projectId, "active");

      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          api.call(
            { action: "stop", project_id: projectId },
            { token: owner.token },
          ),
        ),
      );

      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 400)).toHaveLength(19);
      expect(
        (await api.activity(projectId)).filter(
          (action) => action === "vm_stop_requested",
        ),
      ).toHaveLength(1);
    });

    it("a failed job send still commits the transition", async () => {
      const projectId = await api.project(owner, organizationId);
      await api.setStatus(projectId, "active");
      api.jobs.failing = true;

      const response = await api
        .call({ action: "stop", project_id: projectId }, { token: owner.token })
        .finally(() => {
          api.jobs.failing = false;
        });

      expect(response.status).toBe(200);
      const { rows } = await api.db.query(
        "SELECT status, job_enqueued_at IS NOT NULL AS waiting FROM projects WHERE id = $1",
        [projectId],
      );
      expect(rows[0]).toEqual({ status: "stopping", waiting: true });
    });
  });

  describe("status", () => {
    it("returns the project and its five newest activity entries", async () => {
      const projectId = await api.project(owner, organizationId);
      for (let index = 0; index < 6; index++) {
        await api.db.query(
          "INSERT INTO activity_log (project_id, action) VALUES ($1, $2)",
          [projectId, `step_${index}`],
        );
      }

      const response = await api.call(
        { action: "status", project_id: projectId },
        { token: owner.token },
      );

      expect(response.status).toBe(200);
      expect(response.body.data.project).toEqual({
        id: projectId,
        organization_id: organizationId,
        name: "demo",
        status: "provisioning",
        health_status: "unknown",
        region: "australiaeast",
        vm_size: "Standard_D2s_v3",
        status_reason: null,
        created_at: expect.stringMatching(/Z$/),
        updated_at: expect.stringMatching(/Z$/),
      });
      const actions = response.body.data.recent_activity.map(
        (entry: { action: string }) => entry.action,
      );
      expect(actions).toEqual([
        "step_5",
        "step_4",
        "step_3",
        "step_2",
        "step_1",
      ]);
      expect(response.body.data.recent_activity[0]).toEqual({
        action: "step_5",
        details: {},
        created_at: expect.stringMatching(/Z$/),
      });
    });
  });

  describe("access", () => {
    it.each(["start", "stop", "delete", "status"])(
      "%s by a non-member of the project is a 403",
      async (action) => {
        const projectId = await api.project(owner, organizationId);
        const stranger = await api.user(`stranger-${action}@example.com`);

        const response = await api.call(
          { action, project_id: projectId },
          { token: stranger.token },
        );

        expect(response.status).toBe(403);
        expect(response.body).toEqual({
          error: `not a member of project ${projectId}`,
        });
      },
    );

    it("an organization member who is not a project member gets 403", async () => {
      const projectId = await api.project(owner, organizationId);
      const colleague = await api.user("colleague@example.com");
      await api.db.query(
        "INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, 'member')",
        [organizationId, colleague.id],
      );

      const response = await api.call(
        { action: "status", project_id: projectId },
        { token: colleague.token },
      );

      expect(response.status).toBe(403);
    });

    it("a project of another organization is a 403", async () => {
      const other = await api.user("other-owner@example.com");
      const otherOrganization = await api.organization(other);
      const otherProject = await api.project(other, otherOrganization);

      const response = await api.call(
        { action: "stop", project_id: otherProject },
        { token: owner.token },
      );

      expect(response.status).toBe(403);
      expect(response.body.error).toBe(
        `not a member of project ${otherProject}`,
      );
    });

    it("an unknown project gets the same 403", async () => {
      const unknown = randomUUID();
      const response = await api.call(
        { action: "status", project_id: unknown },
        { token: owner.token },
      );

      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        error: `not a member of project ${unknown}`,
      });
    });
  });

  describe("input", () => {
    it.each([
      ["not JSON", "{not json", "request body is not valid JSON"],
      ["an empty body", "", "request body is empty; expected a JSON object"],
      ["a JSON array", "[]", "request body must be a JSON object"],
      [
        "a NUL character in a name",
        String.raw`{"action":"create","organization_id":"${randomUUID()}","name":"a\u0000b"}`,
        "name: contains a NUL character or an unpaired surrogate, which PostgreSQL text cannot store",
      ],
    ])("%s is a 400", async (_case, body, message) => {
      const response = await api.call(body, { token: owner.token });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: message });
    });

    it.each([
      [{ project_id: randomUUID() }, "action: required"],
      [
        { action: "reboot", project_id: randomUUID() },
        'unknown action "reboot"; expected one of create, start, stop, delete, status, send_command, decide_approval',
      ],
      [{ action: "start" }, "project_id: required"],
      [
        { action: "start", project_id: "not-a-uuid" },
        "project_id: Invalid UUID",
      ],
      [{ action: "create", name: "x" }, "organization_id: required"],
      [{ action: "create", organization_id: randomUUID() }, "name: required"],
      [
        { action: "create", organization_id: randomUUID(), name: "" },
        "name: Too small: expected string to have >=1 characters",
      ],
      [
        {
          action: "create",
          organization_id: randomUUID(),
          name: "x".repeat(101),
        },
        "name: Too big: expected string to have <=100 characters",
      ],
      [
        {
          action: "create",
          organization_id: randomUUID(),
          name: "x",
          region: "Not A Region",
        },
        "region: expected an Azure region such as australiaeast",
      ],
      [
        { action: "delete", project_id: randomUUID(), force: "yes" },
        "force: Invalid input: expected boolean, received string",
      ],
      [
        { action: "stop", project_id: randomUUID(), colour: "red" },
        'unknown field "colour"',
      ],
    ])("%j is a 400: %s", async (body, message) => {
      const response = await api.call(body, { token: owner.token });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: message });
    });

    it("decodes a base64 body", async () => {
      const projectId = await api.project(owner, organizationId);
      const response = await api.call(
        { action: "status", project_id: projectId },
        { token: owner.token, base64: true },
      );

      expect(response.status).toBe(200);
    });

    it("an invalid create writes nothing", async () => {
      const before = await projectCount();
      await api.call(
        {
          action: "create",
          organization_id: organizationId,
          name: "x",
          vm_size: "!",
        },
        { token: owner.token },
      );

      expect(await projectCount()).toBe(before);
    });
  });

  describe("method and auth order", () => {
    it.each(["GET", "PUT", "DELETE", "PATCH"])(
      "%s is a 405 even without a token",
      async (method) => {
        const response = await api.call(undefined, { method });

        expect(response.status).toBe(405);
        expect(response.body).toEqual({
          error: `method ${method} is not allowed; use POST`,
        });
        expect(response.headers.allow).toBe("POST, OPTIONS");
      },
    );

    it("a missing token is a 401 before the body is read", async () => {
      const response = await api.call("{not json");

      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        error: "missing bearer token in Authorization header",
      });
    });

    it("a non-bearer Authorization header is a 401", async () => {
      const response = await api.call(
        { action: "status" },
        { headers: { authorization: `Basic ${owner.token}` } },
      );

      expect(response.status).toBe(401);
    });
  });

  describe("CORS", () => {
    it("an allowed origin gets CORS headers", async () => {
      const response = await api.call(
        { action: "status", project_id: randomUUID() },
        { token: owner.token, headers: { origin: ALLOWED_ORIGIN } },
      );

      expect(response.headers["access-control-allow-origin"]).toBe(
        ALLOWED_ORIGIN,
      );
      expect(response.headers.vary).toBe("Origin");
    });

    it("an error response to an allowed origin keeps CORS headers", async () => {
      const response = await api.call(
        {},
        { headers: { origin: ALLOWED_ORIGIN } },
      );

      expect(response.status).toBe(401);
      expect(response.headers["access-control-allow-origin"]).toBe(
        ALLOWED_ORIGIN,
      );
    });

    it("a disallowed origin gets no CORS headers", async () => {
      const response = await api.call(
        { action: "status", project_id: randomUUID() },
        { token: owner.token, headers: { origin: "https://evil.example" } },
      );

      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
      expect(response.headers["access-control-allow-headers"]).toBeUndefined();
    });

    it("a preflight from an allowed origin is a 204 with CORS headers", async () => {
      const response = await api.call(undefined, {
        method: "OPTIONS",
        headers: {
          origin: ALLOWED_ORIGIN,
          "access-control-request-method": "POST",
        },
      });

      expect(response.status).toBe(204);
      expect(response.headers["access-control-allow-origin"]).toBe(
        ALLOWED_ORIGIN,
      );
      expect(response.headers["access-control-allow-methods"]).toBe(
        "POST, OPTIONS",
      );
      expect(response.headers["access-control-allow-headers"]).toContain(
        "authorization",
      );
    });

    it("a preflight from a disallowed origin gets no CORS headers", async () => {
      const response = await api.call(undefined, {
        method: "OPTIONS",
        headers: { origin: "https://evil.example" },
      });

      expect(response.status).toBe(204);
      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    });
  });

  describe("server errors", () => {
    it("an unexpected failure is a plain 500", async () => {
      const { createVmApiHandler } = await import("../src/vm-api-handler");
      const broken = createVmApiHandler({
        ...api.services,
        db: {
          ...api.db,
          query: async () => {
            throw new Error(
              'relation "projects" does not exist at SELECT secret',
            );
          },
        },
      });
      const { gatewayEvent, lambdaContext } = await import("./support/events");

      const result = await broken(
        gatewayEvent({
          headers: { authorization: `Bearer ${owner.token}` },
          body: { action: "status", project_id: randomUUID() },
        }),
        lambdaContext(),
      );

      expect(result.statusCode).toBe(500);
      expect(JSON.parse(result.body!)).toEqual({
        error: "internal server error",
      });
    });
  });
});
