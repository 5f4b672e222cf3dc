import { ReporterClient } from "@synthcore/agent/client";
import { SimulatedAgent, type CycleSummary } from "@synthcore/agent/simulated";
import { parseLocalSettings } from "@synthcore/local/settings";
import { readRunningStack } from "@synthcore/local/stack-file";

export interface AgentFlags {
  project: string;
  token: string;
  url?: string;
  /** Seconds between cycles; the server's report interval when absent. */
  intervalSeconds?: number;
  /** Cycles to run; until SIGINT or SIGTERM when absent. */
  cycles?: number;
}

/** Returns the running local stack's URL, else the configured local port. */
export async function defaultApiUrl(): Promise<string> {
  const settings = parseLocalSettings();
  const stack = await readRunningStack(settings.SYNTHCORE_DATA_DIR);
  return stack?.api_url ?? `http://127.0.0.1:${settings.PORT}`;
}

export function describeCycle(summary: CycleSummary): string {
  const commands = summary.commands
    .map((command) => `${command.type} ${command.status}`)
    .join(", ");
  const approval = summary.approval
    ? `approval ${summary.approval.approval_id} ${summary.approval.status}`
    : "no approval";
  return `cycle ${summary.cycle}: health ${summary.health_status}; commands: ${commands || "none"}; ${approval}`;
}

/**
 * Runs simulated agent cycles against a stack, `intervalSeconds` apart,
 * and calls `onCycle` after each one.
 */
export async function runAgent(
  flags: AgentFlags,
  onCycle: (summary: CycleSummary) => void,
): Promise<CycleSummary[]> {
  const client = new ReporterClient({
    baseUrl: flags.url ?? (await defaultApiUrl()),
    projectId: flags.project,
    token: flags.token,
  });
  const agent = new SimulatedAgent({ client });
  let stopped = false;
  let wake = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Waits between cycles, and ends early when the agent is stopped.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const summaries: CycleSummary[] = [];
  try {
    while (
      !stopped &&
      (flags.cycles === undefined || summaries.length < flags.cycles)
    ) {
      const last = summaries.at(-1);
      if (last) {
        const interval = flags.intervalSeconds ?? last.report_interval_seconds;
        await pause(jitteredDelayMs(interval));
        if (stopped) break;
      }
      const summary = await agent.runCycle();
      summaries.push(summary);
      onCycle(summary);
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return summaries;
}

const JITTER = 0.1;

/**
 * Returns the wait before the next cycle: the interval give or take 10 %
 * at random, so that VMs started together drift apart instead of reporting
 * in lockstep.
 */
export function jitteredDelayMs(
  intervalSeconds: number,
  random: () => number = Math.random,
): number {
  const jitter = 1 + JITTER * (2 * random() - 1);
  return Math.round(intervalSeconds * 1000 * jitter);
}
