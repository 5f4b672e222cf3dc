import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REPORTER_ROUTE_NAMES,
  type ReporterRoute,
} from "@synthcore/core/reporter/routes";
import { rotateReporterToken } from "@synthcore/core/reporter/tokens";
import { databaseEngines } from "@synthcore/core/testing/database";
import { VmApiHarness, type TestUser } from "./support/harness";
import { fullBatch } from "./support/batch-fixtures";
import { validBody } from "./support/reporter-fixtures";
import { countingReporter } from "./support/round-trips";

const BUDGET = 3;

describe.each(databaseEngines())("reporter round trips on %s", (engine) => {
  let api: VmApiHarness;
  let owner: TestUser;
  let projectId: string;
  let token: string;
  let counting: ReturnType<typeof countingReporter>;

  beforeAll(async () => {
    api = await VmApiHarness.start(engine);
    owner = await api.user("trips@example.com");
    projectId = await api.project(owner, await api.organization(owner));
    token = await rotateReporterToken(api.db, projectId);
    counting = countingReporter(api);
  });
  afterAll(async () => {
    await counting.close();
    await api.close();
  });

  /** Sends once to warm the pool, then counts a second, identical request. */
  const measure = async (route: string, body: () => unknown) => {
    const send = () =>
      api.report(route, body(), {
        projectId,
        token,
        handler: counting.handler,
      });
    await send();
    api.clock.advance(60_000);
    counting.reset();
    const response = await send();
    return { status: response.status, ...counting.counts };
  };

  const ROUTES = REPORTER_ROUTE_NAMES.filter(
    (route) => route !== "commands/status" && route !== "approvals/ack",
  );

  it.each(ROUTES)("%s costs one statement", async (route) => {
    const trips = await measure(route, () => validBody(route as ReporterRoute));

    expect(trips).toEqual({ status: 200, postgres: 1 });
  });

  it(`a full batch with a poll costs at most ${BUDGET}`, async () => {
    const trips = await measure("batch", () => fullBatch());

    expect(trips).toEqual({ status: 200, postgres: 1 });
  });

  it("a batch leasing commands costs one statement", async () => {
    for (let i = 0; i < 3; i++) {
      await api.call(
        {
          action: "send_command",
          project_id: projectId,
          command: "stop_agents",
        },
        { token: owner.token },
      );
    }
    counting.reset();
    const response = await api.report("batch", fullBatch(), {
      projectId,
      token,
      handler: counting.handler,
    });

    expect(response.status).toBe(200);
    expect(response.body.data.commands).toHaveLength(3);
    expect(counting.counts).toEqual({ postgres: 1 });
  });

  it("approvals/ack costs one statement", async () => {
    const created = validBody("approvals");
    await api.report("approvals", created, { projectId, token });
    await api.call(
      {
        action: "decide_approval",
        project_id: projectId,
        approval_id: created.approval_id,
        decision: "approve",
      },
      { token: owner.token },
    );
    const ack = { approval_id: created.approval_id, outcome: "proceeded" };
    const trips = await measure("approvals/ack", () => ack);

    expect(trips).toEqual({ status: 200, postgres: 1 });
  });

  it("a command status report costs one statement", async () => {
    const sent = await api.call(
      { action: "send_command", project_id: projectId, command: "stop_agents" },
      { token: owner.token },
    );
    const id = sent.body.data.command_id;
    await api.report("commands/poll", {}, { projectId, token });
    api.clock.advance(60_000);
    counting.reset();
    const response = await api.report(
      "commands/status",
      { command_id: id, status: "succeeded" },
      { projectId, token, handler: counting.handler },
    );
    const trips = { status: response.status, ...counting.counts };

    expect(trips).toEqual({ status: 200, postgres: 1 });
  });

  it("a rejected token costs two", async () => {
    const forged = `scr_${"C".repeat(43)}`;
    api.clock.advance(60_000);
    counting.reset();
    const response = await api.report("health", validBody("health"), {
      projectId,
      token: forged,
      handler: counting.handler,
    });

    expect(response.status).toBe(401);
    expect(counting.counts).toEqual({ postgres: 2 });
  });
});
