import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REPORTER_ROUTE_NAMES,
  type ReporterRoute,
} from "@synthcore/core/reporter/routes";
import {
  revokeReporterTokens,
  rotateReporterToken,
} from "@synthcore/core/reporter/tokens";
import { databaseEngines } from "@synthcore/core/testing/database";
import { createVmReporterHandler } from "../src/vm-reporter-handler";
import type { GatewayHandler } from "../src/http/types";
import { VmApiHarness, type TestUser } from "./support/harness";
import {
  INVALID_BODIES,
  lastLog,
  logCount,
  validBody,
} from "./support/reporter-fixtures";

describe.each(databaseEngines())("vm-reporter on %s", (engine) => {
  let api: VmApiHarness;
  let owner: TestUser;
  let organizationId: string;
  let projectId: string;
  let token: string;
  let otherProjectId: string;
  let otherToken: string;

  const newProject = async () => {
    const id = await api.project(owner, organizationId);
    return { id, token: await rotateReporterToken(api.db, id) };
  };
  const limitedHandler = (capacity: number): GatewayHandler =>
    createVmReporterHandler({
      ...api.reporterServices,
      reporterRateLimit: { capacity },
    });

  beforeAll(async () => {
    api = await VmApiHarness.start(engine);
    owner = await api.user("vm-owner@example.com");
    organizationId = await api.organization(owner);
    ({ id: projectId, token } = await newProject());
    ({ id: otherProjectId, token: otherToken } = await newProject());
  });
  afterAll(() => api.close());

  const send = (route: string, body: unknown = {}, options = {}) =>
    api.report(route, body, { projectId, token, ...options });

  describe.each(REPORTER_ROUTE_NAMES)("%s rejects", (route) => {
    it("a method other than POST with 405 and logs it", async () => {
      const response = await send(route, undefined, { method: "GET" });

      expect(response.status).toBe(405);
      expect(response.body).toEqual({
        error: "method GET is not allowed; use POST",
      });
      expect(await lastLog(api.db, projectId)).toMatchObject({
        route,
        status: 405,
        error: "method GET is not allowed; use POST",
      });
    });

    it("a missing X-Project-ID with 400 and logs nothing", async () => {
      const before = await logCount(api.db);
      const response = await api.report(route, validBody(route), { token });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: "missing X-Project-ID header" });
      expect(await logCount(api.db)).toBe(before);
    });

    it("an X-Project-ID that is not a UUID with 400", async () => {
      const response = await send(route, validBody(route), {
        projectId: "project-1",
      });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: 'X-Project-ID "project-1" is not a UUID',
      });
    });

    it("a missing token with 401 and logs it", async () => {
      const response = await send(route, validBody(route), { token: "" });

      expect(response.status).toBe(401);
      expect(await lastLog(api.db, projectId)).toMatchObject({
        route,
        status: 401,
        error: "missing bearer token in Authorization header",
      });
    });

    it("a bad token with 401 and logs it", async () => {
      const forged = `scr_${"A".repeat(43)}`;
      const response = await send(route, validBody(route), { token: forged });

      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        error: `reporter token is invalid or revoked; an operator mints a new one with "synthcore token reporter --project ${projectId}"`,
      });
      expect(await lastLog(api.db, projectId)).toMatchObject({
        status: 401,
        error: `reporter token is invalid or revoked; an operator mints a new one with "synthcore token reporter --project ${projectId}"`,
      });
    });

    it("a token of another project with 401 and logs why", async () => {
      const response = await send(route, validBody(route), {
        token: otherToken,
      });
      const expected = `reporter token does not belong to project ${projectId}`;

      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: expected });
      expect(await lastLog(api.db, projectId)).toMatchObject({
        route,
        status: 401,
        error: expected,
      });
    });

    it("an invalid body with 400 naming the field, and logs it", async () => {
      const [body, message] = INVALID_BODIES[route];
      const response = await send(route, body);

      expect(response.status).toBe(400);
      expect(response.body.error).toMatch(message);
      const log = await lastLog(api.db, projectId);
      expect(log).toMatchObject({ route, status: 400 });
      expect(log!.error).toMatch(message);
    });

    it("a body that is not JSON with 400", async () => {
      const response = await send(route, "{not json");

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: "request body is not valid JSON",
      });
    });

    it("a body over 256 KiB with 413", async () => {
      const response = await send(route, `"${"x".repeat(300 * 1024)}"`);

      expect(response.status).toBe(413);
      expect(response.body.error).toMatch(/the limit is 262144$/);
      expect(await lastLog(api.db, projectId)).toMatchObject({ status: 413 });
    });
  });

  it("rejects an unknown route with 404 and logs it", async () => {
    const response = await send("metrics/weather", {});

    expect(response.status).toBe(404);
    expect(response.body.error).toMatch(
      /^unknown route "metrics\/weather"; expected one of health, messages/,
    );
    expect(await lastLog(api.db, projectId)).toMatchObject({
      route: "metrics/weather",
      status: 404,
    });
  });

  it("checks 405 before 404, 404 before 400 and 400 before 401", async () => {
    expect((await send("nope", {}, { method: "PUT" })).status).toBe(405);
    expect((await api.report("nope", {}, {})).status).toBe(404);
    expect((await api.report("health", {}, {})).status).toBe(400);
    expect((await send("health", {}, { token: "" })).status).toBe(401);
  });

  it("logs nothing for a project id that does not exist", async () => {
    const before = await logCount(api.db);
    const response = await send("health", validBody("health"), {
      projectId: randomUUID(),
    });

    expect(response.status).toBe(401);
    expect(await logCount(api.db)).toBe(before);
  });

  it("rejects a token after rotation and after revocation", async () => {
    const project = await newProject();
    const rotated = await rotateReporterToken(api.db, project.id);
    const options = { projectId: project.id };

    const old = await send("health", validBody("health"), {
      ...options,
      token: project.token,
    });
    expect(old.status).toBe(401);
    const current = await send("health", validBody("health"), {
      ...options,
      token: rotated,
    });
    expect(current.status).toBe(200);

    await revokeReporterTokens(api.db, project.id);
    const revoked = await send("health", validBody("health"), {
      ...options,
      token: rotated,
    });
    expect(revoked.status).toBe(401);
    expect(await lastLog(api.db, project.id)).toMatchObject({
      status: 401,
      error: `reporter token is invalid or revoked; an operator mints a new one with "synthcore token reporter --project ${project.id}"`,
    });
  });

  it("stores only the SHA-256 of a token", async () => {
    const { rows } = await api.db.query<{ token_hash: Buffer }>(
      "SELECT token_hash FROM reporter_tokens WHERE project_id = $1",
      [projectId],
    );

    expect(token).toMatch(/^scr_[A-Za-z0-9_-]{43}$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toHaveLength(32);
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));
  });

  describe("rate limit", () => {
    it.each(REPORTER_ROUTE_NAMES)(
      "%s answers 429 with Retry-After once the bucket is empty, and logs it",
      async (route: ReporterRoute) => {
        const project = await newProject();
        const handler = limitedHandler(1);
        const options = {
          projectId: project.id,
          token: project.token,
          handler,
        };

        await send(route, validBody(route), options);
        const response = await send(route, validBody(route), options);

        expect(response.status).toBe(429);
        expect(response.headers["retry-after"]).toBe("60");
        expect(await lastLog(api.db, project.id)).toMatchObject({
          route,
          status: 429,
          error: "Rate limit exceeded. Please try again later.",
        });
      },
    );

    it("refills one token per interval", async () => {
      const project = await newProject();
      const handler = limitedHandler(2);
      const options = { projectId: project.id, token: project.token, handler };
      const health = () => send("health", validBody("health"), options);

      await health();
      await health();
      api.clock.advance(10_000);
      const early = await health();
      api.clock.advance(20_000);
      const refilled = await health();

      expect(early.status).toBe(429);
      expect(early.headers["retry-after"]).toBe("20");
      expect(refilled.status).toBe(200);
    });

    it("takes no token for a bad token", async () => {
      const project = await newProject();
      const handler = limitedHandler(1);
      const forged = `scr_${"F".repeat(43)}`;

      for (let i = 0; i < 3; i++) {
        const rejected = await send("health", validBody("health"), {
          projectId: project.id,
          token: forged,
          handler,
        });
        expect(rejected.status).toBe(401);
      }
      const valid = await send("health", validBody("health"), {
        projectId: project.id,
        token: project.token,
        handler,
      });

      expect(valid.status).toBe(200);
    });

    it("takes a token for an invalid body", async () => {
      const project = await newProject();
      const handler = limitedHandler(1);
      const options = { projectId: project.id, token: project.token, handler };

      const invalid = await send(
        "health",
        { ...validBody("health"), cpu_percent: 150 },
        options,
      );
      const valid = await send("health", validBody("health"), options);

      expect(invalid.status).toBe(400);
      expect(valid.status).toBe(429);
    });

    it("ranks 401, then 429, then 400", async () => {
      const project = await newProject();
      const handler = limitedHandler(1);
      const options = { projectId: project.id, token: project.token, handler };
      await send("health", validBody("health"), options);

      const invalid = await send(
        "health",
        { ...validBody("health"), cpu_percent: 150 },
        options,
      );
      const forged = await send(
        "health",
        { ...validBody("health"), cpu_percent: 150 },
        { ...options, token: `scr_${"G".repeat(43)}` },
      );

      expect(invalid.status).toBe(429);
      expect(forged.status).toBe(401);
    });

    it("accepts exactly 100 of 150 concurrent requests for one project", async () => {
      const project = await newProject();
      const handler = limitedHandler(100);
      const options = { projectId: project.id, token: project.token, handler };

      const responses = await Promise.all(
        Array.from({ length: 150 }, () =>
          send("health", validBody("health"), options),
        ),
      );
      const statuses = responses.map((response) => response.status);

      expect(statuses.filter((status) => status === 200)).toHaveLength(100);
      expect(statuses.filter((status) => status === 429)).toHaveLength(50);
      const { rows } = await api.db.query<{ status: number; count: number }>(
        `SELECT status, count(*)::int8 AS count FROM vm_reporter_request_log
         WHERE project_id = $1 GROUP BY status ORDER BY status`,
        [project.id],
      );
      expect(rows).toEqual([
        { status: 200, count: 100 },
        { status: 429, count: 50 },
      ]);
    });
  });
});
