import { randomUUID } from "node:crypto";
import type { DeliveredCommand } from "@synthcore/core/commands/schemas";
import type { ReporterClient } from "./client";
import { telemetryFor, type AgentState } from "./telemetry";

export interface SimulatedAgentOptions {
  client: ReporterClient;
  agents?: string[];
  /** The action the agent asks a human to approve on its first cycle. */
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
}

/**
 * A VM agent without the AI: each cycle reports health and metrics, posts
 * messages and audit events, polls and runs commands, and asks for one
 * approval, which it acts on once the decision arrives as a command.
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
    const { client } = this.options;
    const data = telemetryFor(
      this.cycle,
      this.states,
      this.now(),
      this.options.random,
    );
    const health = await client.call("health", data.health);
    await client.call("messages", data.messages);
    await client.call("audit", data.audit);
    await client.call("conflicts", data.conflicts);
    await client.call("metrics/tasks", data.tasks);
    await client.call("metrics/productivity", data.productivity);
    await client.call("metrics/cli-sessions", data.sessions);
    const commands = await this.runCommands();
    if (!this.approval) await this.requestApproval();
    return {
      cycle: this.cycle,
      health_status: health.health_status,
      commands,
      approval: this.approval && { ...this.approval },
    };
  }

  private async requestApproval(): Promise<void> {
    const approval = await this.options.client.call("approvals", {
      approval_id: randomUUID(),
      agent: Object.keys(this.states)[0] ?? "agent",
      action: this.options.approvalAction ?? "deploy",
      summary: "Deploy the current build to staging",
    });
    this.approval = {
      approval_id: approval.approval_id,
      status: approval.status,
    };
  }

  private async runCommands(): Promise<CommandOutcome[]> {
    const { commands } = await this.options.client.call("commands/poll", {});
    const outcomes: CommandOutcome[] = [];
    for (const command of commands)
      outcomes.push(await this.runCommand(command));
    return outcomes;
  }

  /** Runs a command once; a redelivered one only has its result sent again. */
  private async runCommand(command: DeliveredCommand): Promise<CommandOutcome> {
    const { client } = this.options;
    const id = command.command_id;
    if (this.done.has(id)) {
      await client.call("commands/status", {
        command_id: id,
        status: "succeeded",
      });
      return { command_id: id, type: command.type, status: "duplicate" };
    }
    await client.call("commands/status", { command_id: id, status: "running" });
    let status: "succeeded" | "failed" = "succeeded";
    let result = "done";
    try {
      result = await this.execute(command);
    } catch (error) {
      status = "failed";
      result = error instanceof Error ? error.message : String(error);
    }
    await client.call("commands/status", { command_id: id, status, result });
    this.done.add(id);
    return { command_id: id, type: command.type, status };
  }

  private async execute(command: DeliveredCommand): Promise<string> {
    const agents = Object.keys(this.states);
    switch (command.type) {
      case "start_agents":
      case "restart_agents":
        for (const name of agents) this.states[name] = "running";
        return `${command.type === "start_agents" ? "started" : "restarted"} ${agents.join(", ")}`;
      case "stop_agents":
        for (const name of agents) this.states[name] = "stopped";
        return `stopped ${agents.join(", ")}`;
      case "approval_decision":
        return this.actOnDecision(command.payload);
    }
  }

  private async actOnDecision(
    payload: Record<string, unknown>,
  ): Promise<string> {
    const approvalId = String(payload.approval_id);
    const approved = payload.decision === "approved";
    const ack = await this.options.client.call("approvals/ack", {
      approval_id: approvalId,
      outcome: approved ? "proceeded" : "aborted",
    });
    if (this.approval?.approval_id === approvalId) {
      this.approval = { approval_id: approvalId, status: ack.status };
    }
    return approved
      ? `approval ${approvalId}: proceeded`
      : `approval ${approvalId}: aborted`;
  }
}
