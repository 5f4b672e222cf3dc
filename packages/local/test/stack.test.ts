import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@synthcore/core/config";
import {
  addOrganizationMember,
  createOrganization,
  ensureUser,
} from "@synthcore/core/membership/membership";
import { startLocalStack, type LocalStack } from "../src/stack";
import { waitFor } from "./support";

describe("local stack over HTTP", () => {
  let stack: LocalStack;
  let dataDir: string;
  let token: string;
  let organizationId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "synthcore-stack-"));
    stack = await startLocalStack({
      // The walk polls status until each transition ends; keep those
      // polls clear of the per-user limit of 20 a minute.
      config: parseConfig({ VM_API_RATE_LIMIT: "1000" }),
      port: 0,
      dataDir,
      simDelayMs: 100,
      reconcileIntervalMs: 50,
    });
    const user = await ensureUser(stack.db, "walker@example.com");
    organizationId = (await createOrganization(stack.db, "Walkers")).id;
    await addOrganizationMember(stack.db, organizationId, user.id, "owner");
    token = stack.issuer.mintUserToken(user);
  });
  afterAll(async () => {
    await stack.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const call = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${stack.url}/functions/v1/vm-api`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as any,
    };
  };
  it("rejects a body over 10 MiB with 413", async () => {
    const response = await fetch(`${stack.url}/functions/v1/vm-api`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      message: "Request Entity Too Large",
    });
    expect(response.headers.get("apigw-requestid")).toMatch(/\S+/);
    // The stack still serves the next request.
    const next = await call({ action: "list" });
    expect(next.status).not.toBe(413);
  });

  const statusOf = async (projectId: string) =>
    (await call({ action: "status", project_id: projectId })).body.data.project
      .status as string;

  it("walks a project through its whole lifecycle", async () => {
    const created = await call({
      action: "create",
      organization_id: organizationId,
      name: "walk",
    });
    expect(created.status).toBe(200);
    const projectId = created.body.data.project_id;

    expect(
      await waitFor(
        () => statusOf(projectId),
        (status) => status === "active",
      ),
    ).toBe("active");
    expect(
      (await call({ action: "stop", project_id: projectId })).body.data.status,
    ).toBe("stopping");
    expect(
      await waitFor(
        () => statusOf(projectId),
        (status) => status === "stopped",
      ),
    ).toBe("stopped");
    expect(
      (await call({ action: "start", project_id: projectId })).body.data.status,
    ).toBe("starting");
    expect(
      await waitFor(
        () => statusOf(projectId),
        (status) => status === "active",
      ),
    ).toBe("active");
    expect(
      (await call({ action: "delete", project_id: projectId, force: true }))
        .body.data.status,
    ).toBe("deleting");
    expect(
      await waitFor(
        () => statusOf(projectId),
        (status) => status === "deleted",
      ),
    ).toBe("deleted");

    const status = await call({ action: "status", project_id: projectId });
    const actions = status.body.data.recent_activity.map(
      (entry: { action: string }) => entry.action,
    );
    expect(actions).toEqual([
      "vm_deleted",
      "vm_operation_started",
      "vm_delete_requested",
      "vm_started",
      "vm_operation_started",
    ]);
  });

  it("serves the dev issuer's JWKS", async () => {
    const response = await fetch(`${stack.url}/auth/v1/.well-known/jwks.json`);
    const jwks = (await response.json()) as any;

    expect(response.status).toBe(200);
    expect(jwks.keys[0]).toMatchObject({
      kty: "EC",
      crv: "P-256",
      alg: "ES256",
      kid: stack.issuer.kid,
    });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it("passes a binary body to the handler base64-encoded", async () => {
    const response = await call(
      JSON.stringify({ action: "status", project_id: "not-a-uuid" }),
      {
        "content-type": "application/octet-stream",
      },
    );

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: "project_id: Invalid UUID" });
  });

  it("answers a preflight with CORS headers", async () => {
    const response = await fetch(`${stack.url}/functions/v1/vm-api`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:3000",
        "access-control-request-method": "POST",
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(
      "http://localhost:3000",
    );
  });

  it("adds the API Gateway request id header", async () => {
    const response = await call({ action: "status", project_id: "x" });

    expect(response.headers.get("apigw-requestid")).toMatch(/\S+/);
  });

  it("rejects a dev token request over 4096 bytes with 413", async () => {
    const response = await fetch(`${stack.url}/auth/v1/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "big@example.com", pad: "x".repeat(5000) }),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: "request body is over 4096 bytes; expected a JSON body with email",
    });
  });

  it("answers unknown paths with 404", async () => {
    const response = await fetch(`${stack.url}/nope`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: "Not Found" });
    expect(response.headers.get("apigw-requestid")).toMatch(/\S+/);
  });
});
