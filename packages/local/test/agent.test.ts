import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReporterClient } from "@synthcore/agent/client";
import { SimulatedAgent } from "@synthcore/agent/simulated";
import { createDatabase, type Database } from "@synthcore/core/db/pool";
import { runCli, startStackProcess, waitFor } from "./support";

/** Counts the rows a dashboard shows for a project, per table. */
async function dashboardCounts(db: Database, projectId: string) {
  const tables = [
    "health_snapshots",
    "agent_messages",
    "audit_events",
    "conflict_reports",
    "task_metrics",
    "productivity_metrics",
    "cli_sessions",
    "approvals",
    "vm_reporter_request_log",
  ];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await db.query<{ count: number }>(
      `SELECT count(*)::int8 AS count FROM ${table} WHERE project_id = $1`,
      [projectId],
    );
    counts[table] = rows[0]!.count;
  }
  return counts;
}

describe("the simulated agent against npm start", () => {
  let dataDir: string;
  let env: Record<string, string>;
  let child: ChildProcess;
  let apiUrl: string;
  let output: () => string;
  let db: Database;
  let userToken: string;
  let projectId: string;

  const vmApi = async (body: unknown) => {
    const response = await fetch(`${apiUrl}/functions/v1/vm-api`, {
      method: "POST",
      headers: { authorization: `Bearer ${userToken}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const cli = async (args: string[]) => {
    const result = await runCli([...args, "--json"], env);
    if (result.code !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "synthcore-agent-"));
    env = {
      SYNTHCORE_DATA_DIR: dataDir,
      PORT: "0",
      SYNTHCORE_SIM_DELAY_MS: "100",
      SYNTHCORE_RECONCILE_INTERVAL_MS: "100",
    };
    ({ child, apiUrl, output } = await startStackProcess(env));
    const stackFile = JSON.parse(
      await readFile(join(dataDir, "stack.json"), "utf8"),
    );
    db = createDatabase({ url: stackFile.database_url, max: 1 });
    const organization = await cli([
      "org",
      "create",
      "--name",
      "Acme",
      "--owner",
      "agent@example.com",
    ]);
    userToken = (await cli(["token", "user", "--email", "agent@example.com"]))
      .token;
    const created = await vmApi({
      action: "create",
      organization_id: organization.organization_id,
      name: "agent-demo",
    });
    projectId = created.body.data.project_id;
    await waitFor(
      async () =>
        (await vmApi({ action: "status", project_id: projectId })).body.data
          .project.status,
      (status) => status === "active",
    );
  });
  afterAll(async () => {
    await db?.close();
    if (child.exitCode === null) child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints how to run the agent", () => {
    expect(output()).toContain("npx synthcore token reporter --project");
    expect(output()).toContain("npx synthcore agent --project");
  });

  it("runs three cycles with the CLI and the dashboard records appear", async () => {
    const { token } = await cli(["token", "reporter", "--project", projectId]);
    expect(token).toMatch(/^scr_/);

    const result = await cli([
      "agent",
      "--project",
      projectId,
      "--token",
      token,
      "--url",
      apiUrl,
      "--interval",
      "0",
      "--cycles",
      "3",
    ]);

    expect(
      result.cycles.map((cycle: { cycle: number }) => cycle.cycle),
    ).toEqual([1, 2, 3]);
    const counts = await dashboardCounts(db, projectId);
    expect(counts).toMatchObject({
      health_snapshots: 3,
      agent_messages: 6,
      audit_events: 3,
      conflict_reports: 3,
      task_metrics: 6,
      productivity_metrics: 6,
      cli_sessions: 3,
      approvals: 1,
    });
    expect(counts.vm_reporter_request_log).toBe(3);
    const status = await vmApi({ action: "status", project_id: projectId });
    expect(status.body.data.project.health_status).toBe("healthy");
  });

  it("executes a command and acts on an approval decision", async () => {
    const { token } = await cli(["token", "reporter", "--project", projectId]);
    const agent = new SimulatedAgent({
      client: new ReporterClient({ baseUrl: apiUrl, projectId, token }),
    });
    const first = await agent.runCycle();
    expect(first.approval?.status).toBe("pending");

    const sent = await vmApi({
      action: "send_command",
      project_id: projectId,
      command: "restart_agents",
    });
    const decided = await vmApi({
      action: "decide_approval",
      project_id: projectId,
      approval_id: first.approval!.approval_id,
      decision: "approve",
    });
    expect([sent.status, decided.status]).toEqual([200, 200]);

    const second = await agent.runCycle();
    expect(second.commands).toEqual([
      {
        command_id: sent.body.data.command_id,
        type: "restart_agents",
        status: "succeeded",
      },
      {
        command_id: decided.body.data.command_id,
        type: "approval_decision",
        status: "succeeded",
      },
    ]);
    expect(second.approval?.status).toBe("acknowledged");
    const { rows } = await db.query(
      "SELECT type, status FROM commands WHERE project_id = $1 ORDER BY created_at",
      [projectId],
    );
    expect(rows).toEqual([
      { type: "restart_agents", status: "succeeded" },
      { type: "approval_decision", status: "succeeded" },
    ]);
  });

  it("serves the OpenAPI document", async () => {
    const response = await fetch(`${apiUrl}/openapi.json`);
    const document = (await response.json()) as any;

    expect(response.status).toBe(200);
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: apiUrl }]);
  });
});
