import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startStackProcess, waitFor } from "./support";

describe("npm start with the synthcore CLI", () => {
  let dataDir: string;
  let env: Record<string, string>;
  let child: ChildProcess;
  let output: () => string;
  let apiUrl: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "synthcore-start-"));
    env = {
      SYNTHCORE_DATA_DIR: dataDir,
      PORT: "0",
      SYNTHCORE_SIM_DELAY_MS: "200",
      SYNTHCORE_RECONCILE_INTERVAL_MS: "100",
    };
    ({ child, output, apiUrl } = await startStackProcess(env));
  });
  afterAll(async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints how to get a token", () => {
    expect(output()).toContain("npx synthcore token user --email");
    expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("creates an organization, a member and a token while the stack runs", async () => {
    const created = await runCli(
      [
        "org",
        "create",
        "--name",
        "Acme",
        "--owner",
        "Owner@Example.com",
        "--json",
      ],
      env,
    );
    expect(created.code).toBe(0);
    const organization = JSON.parse(created.stdout);
    expect(organization).toEqual({
      organization_id: expect.any(String),
      user_id: expect.any(String),
    });

    const added = await runCli(
      [
        "org",
        "add-member",
        "--org",
        organization.organization_id,
        "--email",
        "dev@example.com",
        "--json",
      ],
      env,
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      organization_id: organization.organization_id,
      role: "member",
    });

    const tokenResult = await runCli(
      ["token", "user", "--email", "owner@example.com", "--json"],
      env,
    );
    expect(tokenResult.code).toBe(0);
    const { token, user_id } = JSON.parse(tokenResult.stdout);
    expect(user_id).toBe(organization.user_id);

    const response = await fetch(`${apiUrl}/functions/v1/vm-api`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        action: "create",
        organization_id: organization.organization_id,
        name: "cli",
      }),
    });
    expect(response.status).toBe(200);
    const projectId = ((await response.json()) as any).data.project_id;

    const status = await waitFor(
      async () => {
        const reply = await fetch(`${apiUrl}/functions/v1/vm-api`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify({ action: "status", project_id: projectId }),
        });
        return ((await reply.json()) as any).data.project.status;
      },
      (value) => value === "active",
    );
    expect(status).toBe("active");

    const logs = output();
    expect(logs).toContain('"gateway":"vm-api"');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split(".")[2]);
  });

  it("project add-member gives an organization member access", async () => {
    const created = await runCli(
      [
        "org",
        "create",
        "--name",
        "Team",
        "--owner",
        "lead@example.com",
        "--json",
      ],
      env,
    );
    const { organization_id } = JSON.parse(created.stdout);
    const lead = JSON.parse(
      (
        await runCli(
          ["token", "user", "--email", "lead@example.com", "--json"],
          env,
        )
      ).stdout,
    );
    const call = (token: string, body: unknown) =>
      fetch(`${apiUrl}/functions/v1/vm-api`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const reply = await call(lead.token, {
      action: "create",
      organization_id,
      name: "shared",
    });
    const projectId = ((await reply.json()) as any).data.project_id;

    const outsider = await runCli(
      [
        "project",
        "add-member",
        "--project",
        projectId,
        "--email",
        "mate@example.com",
      ],
      env,
    );
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toContain(
      `mate@example.com is not a member of organization ${organization_id}`,
    );

    await runCli(
      [
        "org",
        "add-member",
        "--org",
        organization_id,
        "--email",
        "mate@example.com",
      ],
      env,
    );
    const mate = JSON.parse(
      (
        await runCli(
          ["token", "user", "--email", "mate@example.com", "--json"],
          env,
        )
      ).stdout,
    );
    expect(
      (await call(mate.token, { action: "status", project_id: projectId }))
        .status,
    ).toBe(403);

    const added = await runCli(
      [
        "project",
        "add-member",
        "--project",
        projectId,
        "--email",
        "mate@example.com",
        "--json",
      ],
      env,
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({
      project_id: projectId,
      user_id: mate.user_id,
      role: "member",
    });
    expect(
      (await call(mate.token, { action: "status", project_id: projectId }))
        .status,
    ).toBe(200);
  });

  it("--json reports an error as JSON on stderr", async () => {
    const result = await runCli(
      ["token", "user", "--email", "ghost@example.com", "--json"],
      env,
    );

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toEqual({
      error:
        'no user with email ghost@example.com; add one with "org create" or "org add-member"',
    });
  });

  it("agent takes its settings from the VM's environment", async () => {
    const result = await runCli(["agent", "--cycles", "1"], {
      ...env,
      SYNTHCORE_PROJECT_ID: "00000000-0000-4000-8000-000000000001",
      SYNTHCORE_REPORTER_TOKEN: `scr_${"a".repeat(43)}`,
      SYNTHCORE_API_URL: apiUrl,
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("reporter token is invalid or revoked");
  });

  it("migrate reports the schema as up to date", async () => {
    const result = await runCli(["migrate", "--json"], env);

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.applied).toEqual([]);
    expect(report.skipped).toContain("0001_projects");
  });

  it.each([
    [["org", "create", "--owner", "a@example.com"], "--name is required"],
    [
      ["org", "create", "--name", "A", "--owner", "not-an-email"],
      '--owner "not-an-email" is not an email address',
    ],
    [
      ["token", "user", "--email", "nobody@example.com"],
      "no user with email nobody@example.com",
    ],
    [
      [
        "org",
        "add-member",
        "--org",
        "00000000-0000-4000-8000-000000000000",
        "--email",
        "a@example.com",
      ],
      "organization 00000000-0000-4000-8000-000000000000 not found",
    ],
    [["frobnicate"], 'unknown command "frobnicate"'],
    [
      [
        "org",
        "create",
        "--name",
        "A",
        "--owner",
        "a@example.com",
        "--user-id",
        "00000000-0000-4000-8000-000000000000",
      ],
      '--user-id is not an option of "org create"',
    ],
  ])("%j fails with a message on stderr", async (args, message) => {
    const result = await runCli(args, env);

    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(message);
  });

  it("stops on SIGTERM and removes its stack file", async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));

    expect(child.exitCode).toBe(0);
    await expect(readFile(join(dataDir, "stack.json"))).rejects.toThrow(
      /ENOENT/,
    );
  });

  it("the CLI opens the data directly once the stack has stopped", async () => {
    const result = await runCli(
      ["token", "user", "--email", "dev@example.com", "--json"],
      env,
    );

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).token).toMatch(/^ey/);
  });
});

describe("the synthcore CLI before the first npm start", () => {
  let parent: string;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), "synthcore-fresh-"));
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it("migrate creates the data directory", async () => {
    const env = { SYNTHCORE_DATA_DIR: join(parent, "new", ".synthcore") };

    const first = await runCli(["migrate", "--json"], env);
    const second = await runCli(["migrate", "--json"], env);

    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied).toContain(
      "0005_reporter_hot_path",
    );
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).applied).toEqual([]);
  });

  it("agent names both ways to pass the reporter token", async () => {
    const result = await runCli(
      ["agent", "--project", "0b6f6c5e-6c43-4c1c-9a55-3f4f2f6f2c11"],
      { SYNTHCORE_DATA_DIR: parent, SYNTHCORE_REPORTER_TOKEN: "" },
    );

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--token or SYNTHCORE_REPORTER_TOKEN is required; mint one with "synthcore token reporter --project ID"',
    );
  });
});
