import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expireOverdueCommands } from "@synthcore/core/commands/commands";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import { databaseEngines } from "@synthcore/core/testing/database";
import { VmApiHarness, type TestUser } from "./support/harness";

const LEASE_MS = 30_000;
const DEADLINE_MS = 600_000;

describe.each(databaseEngines())("commands and approvals on %s", (engine) => {
  let api: VmApiHarness;
  let owner: TestUser;
  let organizationId: string;

  beforeAll(async () => {
    api = await VmApiHarness.start(engine, {
      visibilityTimeoutMs: LEASE_MS,
      deliveryDeadlineMs: DEADLINE_MS,
    });
    owner = await api.user("commander@example.com");
    organizationId = await api.organization(owner);
  });
  afterAll(() => api.close());

  /** Creates a fresh project with a token, so each test starts with an empty queue. */
  const vm = async () => {
    const projectId = await api.project(owner, organizationId);
    const token = await rotateReporterToken(api.db, projectId);
    const report = (route: string, body: unknown) =>
      api.report(route, body, { projectId, token });
    const command = async (name = "restart_agents") => {
      const response = await api.call(
        { action: "send_command", project_id: projectId, command: name },
        { token: owner.token },
      );
      expect(response.status).toBe(200);
      return response.body.data.command_id as string;
    };
    const poll = async (max = 5) => {
      const response = await report("commands/poll", { max_commands: max });
      expect(response.status).toBe(200);
      return response.body.data.commands as Array<Record<string, any>>;
    };
    const history = async (id: string) =>
      (
        await api.db.query(
          "SELECT status, deliveries, finished_at IS NOT NULL AS finished FROM commands WHERE id = $1",
          [id],
        )
      ).rows[0];
    return { projectId, token, report, command, poll, history };
  };

  describe("send_command", () => {
    it("queues the command and records it for the dashboard", async () => {
      const { projectId } = await vm();
      const response = await api.call(
        {
          action: "send_command",
          project_id: projectId,
          command: "stop_agents",
        },
        { token: owner.token },
      );

      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({
        command_id: expect.any(String),
        type: "stop_agents",
        status: "queued",
        deliver_by: new Date(api.clock.ms + DEADLINE_MS).toISOString(),
      });
      const { rows } = await api.db.query(
        "SELECT type, status, created_by FROM commands WHERE project_id = $1",
        [projectId],
      );
      expect(rows).toEqual([
        { type: "stop_agents", status: "queued", created_by: owner.id },
      ]);
    });

    it("rejects a non-member with 403", async () => {
      const { projectId } = await vm();
      const outsider = await api.user(`${randomUUID()}@example.com`);
      const response = await api.call(
        {
          action: "send_command",
          project_id: projectId,
          command: "stop_agents",
        },
        { token: outsider.token },
      );

      expect(response.status).toBe(403);
      expect(response.body.error).toBe(`not a member of project ${projectId}`);
    });

    it("rejects an unknown command with 400", async () => {
      const { projectId } = await vm();
      const response = await api.call(
        {
          action: "send_command",
          project_id: projectId,
          command: "format_disk",
        },
        { token: owner.token },
      );

      expect(response.status).toBe(400);
      expect(response.body.error).toMatch(/^command: Invalid option/);
    });

    it("rejects a deleted project with 400", async () => {
      const { projectId } = await vm();
      await api.setStatus(projectId, "deleted");
      const response = await api.call(
        {
          action: "send_command",
          project_id: projectId,
          command: "stop_agents",
        },
        { token: owner.token },
      );

      expect(response.status).toBe(400);
      expect(response.body.error).toMatch(/^project is "deleted"/);
    });
  });

  describe("commands/poll", () => {
    it("delivers a command once per lease", async () => {
      const agent = await vm();
      const id = await agent.command();

      const first = await agent.poll();
      const second = await agent.poll();

      expect(first).toEqual([
        expect.objectContaining({
          command_id: id,
          type: "restart_agents",
          status: "delivered",
          deliveries: 1,
          lease_expires_at: new Date(api.clock.ms + LEASE_MS).toISOString(),
        }),
      ]);
      expect(second).toEqual([]);
      expect(await agent.history(id)).toEqual({
        status: "delivered",
        deliveries: 1,
        finished: false,
      });
    });

    it("delivers it again after the lease lapses, with the same id", async () => {
      const agent = await vm();
      const id = await agent.command();
      await agent.poll();

      api.clock.advance(LEASE_MS);
      const again = await agent.poll();

      expect(
        again.map((command) => [command.command_id, command.deliveries]),
      ).toEqual([[id, 2]]);
      expect((await agent.history(id))!.deliveries).toBe(2);
    });

    it("never delivers a command after it succeeded", async () => {
      const agent = await vm();
      const id = await agent.command();
      await agent.poll();
      await agent.report("commands/status", {
        command_id: id,
        status: "running",
      });
      const done = await agent.report("commands/status", {
        command_id: id,
        status: "succeeded",
        result: "agents restarted",
      });

      api.clock.advance(2 * LEASE_MS);

      expect(done.body).toEqual({
        success: true,
        data: { command_id: id, status: "succeeded" },
      });
      expect(await agent.poll()).toEqual([]);
      expect(await agent.history(id)).toEqual({
        status: "succeeded",
        deliveries: 1,
        finished: true,
      });
    });

    it("expires a command past its delivery deadline", async () => {
      const agent = await vm();
      const id = await agent.command();

      api.clock.advance(DEADLINE_MS);

      expect(await agent.poll()).toEqual([]);
      expect((await agent.history(id))!.status).toBe("expired");
      const late = await agent.report("commands/status", {
        command_id: id,
        status: "running",
      });
      expect(late.status).toBe(409);
      expect(late.body.error).toBe(
        `command ${id} is "expired"; "running" requires "delivered"`,
      );
    });

    it("expires overdue commands without polls", async () => {
      const silent = await vm();
      const overdue = await silent.command();
      api.clock.advance(DEADLINE_MS / 2);
      const recent = await silent.command();
      api.clock.advance(DEADLINE_MS / 2);

      const expired = await expireOverdueCommands(api.db, api.clock.now());

      // Earlier tests' projects may have overdue commands too.
      expect(expired).toBeGreaterThanOrEqual(1);
      expect(await silent.history(overdue)).toEqual({
        status: "expired",
        deliveries: 0,
        finished: true,
      });
      expect((await silent.history(recent))!.status).toBe("queued");
    });

    it("never leases one command to two agents polling at once", async () => {
      const agent = await vm();
      const ids = [];
      for (let index = 0; index < 8; index++) ids.push(await agent.command());

      const [first, second] = await Promise.all([
        agent.poll(10),
        agent.poll(10),
      ]);
      const leased = [...first!, ...second!].map(
        (command) => command.command_id,
      );

      expect(new Set(leased).size).toBe(leased.length);
      expect(leased.sort()).toEqual(ids.sort());
    });

    it("leases at most max_commands, oldest first", async () => {
      const agent = await vm();
      const ids = [];
      for (let index = 0; index < 3; index++) {
        ids.push(await agent.command());
        api.clock.advance(1);
      }

      const leased = await agent.poll(2);

      expect(leased.map((command) => command.command_id)).toEqual(
        ids.slice(0, 2),
      );
    });
  });

  describe("commands/status", () => {
    it("accepts the same status twice and refuses to move back", async () => {
      const agent = await vm();
      const id = await agent.command();
      await agent.poll();
      const status = (value: string) =>
        agent.report("commands/status", { command_id: id, status: value });

      expect((await status("running")).status).toBe(200);
      expect((await status("running")).status).toBe(200);
      expect((await status("failed")).status).toBe(200);
      expect((await status("failed")).body.data.status).toBe("failed");
      const back = await status("running");

      expect(back.status).toBe(409);
      expect(back.body.error).toBe(
        `command ${id} is "failed"; "running" requires "delivered"`,
      );
      expect((await agent.history(id))!.status).toBe("failed");
    });

    it("rejects running for a command never delivered", async () => {
      const agent = await vm();
      const id = await agent.command();
      const response = await agent.report("commands/status", {
        command_id: id,
        status: "running",
      });

      expect(response.status).toBe(409);
      expect(response.body.error).toMatch(/is "queued"/);
    });

    it("answers 404 for a command of another project", async () => {
      const mine = await vm();
      const theirs = await vm();
      const id = await theirs.command();
      const response = await mine.report("commands/status", {
        command_id: id,
        status: "running",
      });

      expect(response.status).toBe(404);
      expect(response.body.error).toBe(
        `command ${id} not found for this project`,
      );
    });
  });

  describe("approvals", () => {
    const approval = (id = randomUUID(), expires = 300) => ({
      approval_id: id,
      agent: "coder",
      action: "deploy",
      summary: "Deploy build 42 to staging",
      expires_in_seconds: expires,
    });
    const decide = (
      projectId: string,
      id: string,
      decision: string,
      token = owner.token,
    ) =>
      api.call(
        {
          action: "decide_approval",
          project_id: projectId,
          approval_id: id,
          decision,
          reason: "looks good",
        },
        { token },
      );

    it("runs the full cycle: request, decision, command, acknowledgement", async () => {
      const agent = await vm();
      const request = approval();

      const created = await agent.report("approvals", request);
      const repeated = await agent.report("approvals", request);
      expect(created.status).toBe(200);
      expect(created.body.data).toMatchObject({
        approval_id: request.approval_id,
        status: "pending",
        decision: null,
      });
      expect(repeated.body.data).toEqual(created.body.data);

      const decided = await decide(
        agent.projectId,
        request.approval_id,
        "approve",
      );
      expect(decided.status).toBe(200);
      expect(decided.body.data).toEqual({
        approval_id: request.approval_id,
        status: "approved",
        command_id: expect.any(String),
      });

      const [command] = await agent.poll();
      expect(command).toMatchObject({
        command_id: decided.body.data.command_id,
        type: "approval_decision",
        payload: {
          approval_id: request.approval_id,
          decision: "approved",
          reason: "looks good",
        },
      });

      const ack = { approval_id: request.approval_id, outcome: "proceeded" };
      const acknowledged = await agent.report("approvals/ack", ack);
      expect(acknowledged.status).toBe(200);
      expect(acknowledged.body.data).toMatchObject({
        status: "acknowledged",
        decision: "approved",
        decision_reason: "looks good",
      });
      expect((await agent.report("approvals/ack", ack)).status).toBe(200);
      const { rows } = await api.db.query(
        "SELECT status, decision, decided_by, outcome FROM approvals WHERE id = $1",
        [request.approval_id],
      );
      expect(rows).toEqual([
        {
          status: "acknowledged",
          decision: "approved",
          decided_by: owner.id,
          outcome: "proceeded",
        },
      ]);
    });

    it("rejects a decision after the expiry", async () => {
      const agent = await vm();
      const request = approval(randomUUID(), 60);
      await agent.report("approvals", request);

      api.clock.advance(60_000);
      const response = await decide(
        agent.projectId,
        request.approval_id,
        "reject",
      );

      expect(response.status).toBe(400);
      expect(response.body.error).toMatch(
        new RegExp(
          `^approval ${request.approval_id} expired at .+; it can no longer be decided$`,
        ),
      );
      expect((await agent.report("approvals", request)).body.data.status).toBe(
        "expired",
      );
      expect(await agent.poll()).toEqual([]);
    });

    it("rejects a second decision", async () => {
      const agent = await vm();
      const request = approval();
      await agent.report("approvals", request);
      await decide(agent.projectId, request.approval_id, "reject");

      const again = await decide(
        agent.projectId,
        request.approval_id,
        "approve",
      );

      expect(again.status).toBe(400);
      expect(again.body.error).toBe(
        `approval ${request.approval_id} is "rejected"; a decision requires "pending"`,
      );
    });

    it("takes one of two concurrent decisions", async () => {
      const agent = await vm();
      const request = approval();
      await agent.report("approvals", request);

      const decisions = await Promise.all([
        decide(agent.projectId, request.approval_id, "approve"),
        decide(agent.projectId, request.approval_id, "reject"),
      ]);

      const statuses = decisions.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 400]);
      const winner = decisions.find((response) => response.status === 200)!;
      const { rows } = await api.db.query(
        `SELECT c.id, c.payload->>'decision' AS decision, a.command_id
         FROM commands c JOIN approvals a
           ON a.project_id = c.project_id AND a.command_id = c.id
         WHERE c.project_id = $1 AND c.type = 'approval_decision'`,
        [agent.projectId],
      );
      expect(rows).toEqual([
        {
          id: winner.body.data.command_id,
          decision: winner.body.data.status,
          command_id: winner.body.data.command_id,
        },
      ]);
    });

    it("rejects a decision by a non-member with 403", async () => {
      const agent = await vm();
      const request = approval();
      await agent.report("approvals", request);
      const outsider = await api.user(`${randomUUID()}@example.com`);

      const response = await decide(
        agent.projectId,
        request.approval_id,
        "approve",
        outsider.token,
      );

      expect(response.status).toBe(403);
    });

    it("rejects an acknowledgement before a decision with 409", async () => {
      const agent = await vm();
      const request = approval();
      await agent.report("approvals", request);

      const response = await agent.report("approvals/ack", {
        approval_id: request.approval_id,
        outcome: "aborted",
      });

      expect(response.status).toBe(409);
      expect(response.body.error).toMatch(
        /is "pending"; an acknowledgement requires/,
      );
    });

    it("rejects proceeding after a rejection with 409", async () => {
      const agent = await vm();
      const request = approval();
      await agent.report("approvals", request);
      await decide(agent.projectId, request.approval_id, "reject");

      const proceeded = await agent.report("approvals/ack", {
        approval_id: request.approval_id,
        outcome: "proceeded",
      });
      const aborted = await agent.report("approvals/ack", {
        approval_id: request.approval_id,
        outcome: "aborted",
      });

      expect(proceeded.status).toBe(409);
      expect(proceeded.body.error).toBe(
        `approval ${request.approval_id} was rejected, so "proceeded" contradicts the decision; acknowledge it with "aborted" or "failed"`,
      );
      expect(aborted.status).toBe(200);
      expect(aborted.body.data.status).toBe("acknowledged");
    });

    it("rejects the same id for another action with 409", async () => {
      const agent = await vm();
      const request = approval();
      await agent.report("approvals", request);

      const response = await agent.report("approvals", {
        ...request,
        action: "delete",
      });

      expect(response.status).toBe(409);
    });
  });
});
