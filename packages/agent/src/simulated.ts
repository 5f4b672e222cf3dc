import { randomUUID } from "node:crypto";
import type { DeliveredCommand } from "@synthcore/core/commands/schemas";
import type {
  BatchItemInput,
  BatchItemResult,
} from "@synthcore/core/reporter/batch";
import type { ReporterClient } from "./client";
import { telemetryFor, type AgentState } from "./telemetry";

export interface SimulatedAgentOptions {
  client: ReporterClient;
  agents?: string[];
  /** The action the agent requests human approval for on its first cycle. */
  approvalAction?: string;
  now?: () => Date;
  random?: () => number;
}

export interface CommandOutcome {
  command_id: string;
  type: string;
  status: "succeeded" | "failed" | "duplicate";
}

export interface CycleSummary {
  cycle: number;
  health_status: string;
  commands: CommandOutcome[];
  approval?: { approval_id: string; status: string };
  /** The report interval the server asked for, in seconds. */
  report_interval_seconds: number;
}

/**
 * A VM agent without the AI. Each cycle is one batch request: health,
 * metrics, messages, audit events, its approval request and a poll. When
 * the poll brings commands, it runs them and sends their results, and any
 * acknowledgement, in a second batch.
 */
export class SimulatedAgent {
  private cycle = 0;
  private readonly states: Record<string, AgentState>;
  private readonly done = new Set<string>();
  private approval?: { approval_id: string; status: string };
  private readonly now: () => Date;

  constructor(private readonly options: SimulatedAgentOptions) {
    const names = options.agents ?? ["planner", "coder"];
    this.states = Object.fromEntries(names.map((name) => [name, "running"]));
    this.now = options.now ?? (() => new Date());
  }

  async runCycle(): Promise<CycleSummary> {
    this.cycle++;
    const items = [...this.telemetry(), ...this.approvalRequest()];
    const reply = await this.options.client.batch({ items, max_commands: 5 });
    const health = reply.results[0]!.data as { health_status: string };
    this.readApproval(items, reply.results);
    const commands = await this.runCommands(reply.commands);
    return {
      cycle: this.cycle,
      health_status: health.health_status,
      commands,
      approval: this.approval && { ...this.approval },
      report_interval_seconds: reply.report_interval_seconds,
    };
  }

  private telemetry(): BatchItemInput[] {
    const data = telemetryFor(
      this.cycle,
      this.states,
      this.now(),
      this.options.random,
    );
    return [
      { route: "health", body: data.health },
      { route: "messages", body: data.messages },
      { route: "audit", body: data.audit },
      { route: "conflicts", body: data.conflicts },
      { route: "metrics/tasks", body: data.tasks },
      { route: "metrics/productivity", body: data.productivity },
      { route: "metrics/cli-sessions", body: data.sessions },
    ];
  }

  private approvalRequest(): BatchItemInput[] {
    if (this.approval) return [];
    const body = {
      approval_id: randomUUID(),
      agent: Object.keys(this.states)[0] ?? "agent",
      action: this.options.approvalAction ?? "deploy",
      summary: "Deploy the current build to staging",
    };
    return [{ route: "approvals", body }];
  }

  /** Keeps the approval's state from its item's result, of either route. */
  private readApproval(items: BatchItemInput[], results: BatchItemResult[]) {
    items.forEach((item, index) => {
      if (item.route !== "approvals" && item.route !== "approvals/ack") return;
      const result = results[index]!;
      if (result.status !== 200) {
        throw new Error(
          `${item.route} failed: ${result.status} ${result.error}`,
        );
      }
      const approval = result.data as { approval_id: string; status: string };
      if (
        item.route === "approvals" ||
        this.approval?.approval_id === approval.approval_id
      ) {
        this.approval = {
          approval_id: approval.approval_id,
          status: approval.status,
        };
      }
    });
  }

  /** Runs each new command once and reports every result in one batch. */
  private async runCommands(
    commands: DeliveredCommand[],
  ): Promise<CommandOutcome[]> {
    if (commands.length === 0) return [];
    const outcomes: CommandOutcome[] = [];
    const items: BatchItemInput[] = [];
    for (const command of commands) {
      const id = command.command_id;
      if (this.done.has(id)) {
        items.push(statusItem(id, "succeeded"));
        outcomes.push({
          command_id: id,
          type: command.type,
          status: "duplicate",
        });
        continue;
      }
      const ran = this.execute(command);
      items.push(statusItem(id, ran.status, ran.result), ...ran.items);
      this.done.add(id);
      outcomes.push({ command_id: id, type: command.type, status: ran.status });
    }
    const reply = await this.options.client.batch({ items, max_commands: 0 });
    this.readApproval(items, reply.results);
    return outcomes;
  }

  private execute(command: DeliveredCommand): {
    status: "succeeded" | "failed";
    result: string;
    items: BatchItemInput[];
  } {
    const agents = Object.keys(this.states);
    const ok = (result: string, items: BatchItemInput[] = []) => ({
      status: "succeeded" as const,
      result,
      items,
    });
    switch (command.type) {
      case "start_agents":
      case "restart_agents":
        for (const name of agents) this.states[name] = "running";
        return ok(
          `${command.type === "start_agents" ? "started" : "restarted"} ${agents.join(", ")}`,
        );
      case "stop_agents":
        for (const name of agents) this.states[name] = "stopped";
        return ok(`stopped ${agents.join(", ")}`);
      case "approval_decision": {
        const approvalId = String(command.payload.approval_id);
        const approved = command.payload.decision === "approved";
        const outcome = approved ? "proceeded" : "aborted";
        const ack: BatchItemInput = {
          route: "approvals/ack",
          body: { approval_id: approvalId, outcome },
        };
        return ok(`approval ${approvalId}: ${outcome}`, [ack]);
      }
    }
  }
}

function statusItem(
  commandId: string,
  status: "succeeded" | "failed",
  result?: string,
): BatchItemInput {
  return {
    route: "commands/status",
    body: { command_id: commandId, status, result },
  };
}
