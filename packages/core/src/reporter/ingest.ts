import {
  acknowledgeApprovalIn,
  createApprovalIn,
} from "../approvals/approvals";
import {
  advanceCommandIn,
  leaseCommandsIn,
  type CommandDeps,
} from "../commands/commands";
import type { DeliveredCommand } from "../commands/schemas";
import { Statement } from "../db/statement";
import { ApiError } from "../errors";
import type { RateLimit } from "../ratelimit/statement";
import {
  compareVmTimes,
  deriveHealth,
  isTelemetryRoute,
  type TelemetryRoute,
} from "../telemetry/telemetry";
import type { HealthReport } from "../telemetry/schemas";
import { insertTelemetry } from "../telemetry/write";
import { checkAccessIn, requireAccess, type ReportCaller } from "./access";
import type { BatchItemResult, ParsedBatchItem } from "./batch";
import { logRequestIn } from "./request-log";

export interface ReportDeps extends CommandDeps {
  /** The per-project limit of the VM Reporter. */
  reporterRateLimit: RateLimit;
  /**
   * Whether a report of samples alone commits without waiting for the WAL
   * flush (synchronous_commit off for its transaction). Off unless given;
   * the configuration's REPORTER_ASYNC_COMMIT turns it on by default.
   */
  asyncCommit?: boolean;
}

export interface Report {
  items: ParsedBatchItem[];
  /** Commands to lease; 0 skips the poll. */
  maxCommands: number;
  /** The route the request log names, and what the request carried. */
  log: { route: string; items?: Record<string, number> };
  /** Milliseconds since the request arrived, read just before the write. */
  elapsedMs: () => number;
}

export interface ReportOutcome {
  results: BatchItemResult[];
  commands: DeliveredCommand[];
  /** The request-log row the write added, for a later correction. */
  logId: number;
}

type Reader = (row: Record<string, unknown>) => unknown;

/**
 * Applies a report in one Postgres statement, one round trip: it checks the
 * token, takes the project's rate-limit token, writes telemetry, approvals,
 * acknowledgements and command statuses, leases commands and logs the
 * request. Nothing is written unless the token and the rate limit pass; a
 * bad token is a 401 and an empty bucket a 429.
 */
export async function applyReport(
  deps: ReportDeps,
  caller: ReportCaller,
  report: Report,
): Promise<ReportOutcome> {
  const { projectId } = caller;
  const now = (deps.now ?? Date.now)();
  const sql = new Statement();
  // The health report the VM took last sets the project's health.
  const newest = newestHealth(report.items);
  const health = newest && deriveHealth(newest.body);
  const allowed = checkAccessIn(
    sql,
    caller,
    now,
    deps.reporterRateLimit,
    health,
  );
  const readers = addWrites(sql, allowed, projectId, report.items, now);
  const leased =
    report.maxCommands > 0
      ? leaseCommandsIn(sql, allowed, {
          projectId,
          max: report.maxCommands,
          now,
          settings: deps.commandSettings,
          exclude: report.items
            .filter((item) => item.route === "commands/status")
            .map((item) => item.body.command_id as string),
        })
      : undefined;
  logRequestIn(sql, allowed, {
    projectId,
    route: report.log.route,
    latencyMs: report.elapsedMs(),
    items: report.log.items,
  });
  // Epoch milliseconds, which parse faster than a timestamptz.
  sql.output("received_at", "extract(epoch FROM now()) * 1000");
  if (deps.asyncCommit && commitsAsynchronously(report)) {
    // Local to this statement's transaction, so a pooled connection keeps
    // its own setting.
    sql.output(
      "commit_mode",
      "SELECT set_config('synchronous_commit', 'off', true)",
    );
  }
  const { rows } = await deps.db.queryPrepared(sql.text, sql.params);
  const row = rows[0]!;
  requireAccess(row, projectId);

  const results = report.items.map((item) =>
    settle(item.route, () => readers.get(item)!(row)),
  );
  const commands = leased ? leased(row) : [];
  return { results, commands, logId: Number(row.log_id) };
}

/**
 * Routes whose rows a database crash may lose once acknowledged: a health
 * snapshot or a CLI session's state, which the next report replaces, and
 * periodic statistics, whose loss leaves a gap in a chart. Agents do not
 * send an acknowledged report again.
 */
const SAMPLE_ROUTES: ReadonlySet<string> = new Set([
  "health",
  "conflicts",
  "metrics/tasks",
  "metrics/productivity",
  "metrics/cli-sessions",
]);

/**
 * Returns whether a report may commit before its WAL reaches disk, which
 * is when it carries only samples and polls. A lost lease only delivers its
 * commands once more, which agents skip by id. Messages and audit events are records
 * people read back, and an approval, an acknowledgement or a command status
 * must not be lost once the VM has the reply, so those wait for the flush.
 */
export function commitsAsynchronously(report: Pick<Report, "items">): boolean {
  return report.items.every((item) => SAMPLE_ROUTES.has(item.route));
}

/** Returns the health report with the latest `reported_at`, or the later item when two tie. */
function newestHealth(items: ParsedBatchItem[]): ParsedBatchItem | undefined {
  let newest: ParsedBatchItem | undefined;
  for (const item of items) {
    if (item.route !== "health") continue;
    const later =
      newest === undefined ||
      compareVmTimes(item.body.reported_at, newest.body.reported_at) >= 0;
    if (later) newest = item;
  }
  return newest;
}

/** Adds each item's writes; returns how to read each item's result. */
function addWrites(
  sql: Statement,
  allowed: string,
  projectId: string,
  items: ParsedBatchItem[],
  now: number,
): Map<ParsedBatchItem, Reader> {
  const readers = new Map<ParsedBatchItem, Reader>();
  const byRoute = new Map<TelemetryRoute, ParsedBatchItem[]>();
  for (const item of items) {
    if (isTelemetryRoute(item.route)) {
      byRoute.set(item.route, [...(byRoute.get(item.route) ?? []), item]);
    } else if (item.route === "approvals") {
      readers.set(
        item,
        createApprovalIn(sql, allowed, projectId, item.body, now),
      );
    } else if (item.route === "approvals/ack") {
      readers.set(
        item,
        acknowledgeApprovalIn(sql, allowed, projectId, item.body, now),
      );
    } else if (item.route === "commands/status") {
      readers.set(
        item,
        advanceCommandIn(sql, allowed, projectId, item.body, now),
      );
    }
  }
  for (const [route, group] of byRoute) {
    const counts = insertTelemetry(
      sql,
      allowed,
      projectId,
      route,
      group.map((item) => item.body),
    );
    group.forEach((item, index) =>
      readers.set(item, (row) =>
        telemetryResult(route, counts[index]!, row, item.body),
      ),
    );
  }
  return readers;
}

/** Builds an item's result. A health report's result names the health of its own snapshot. */
function telemetryResult(
  route: TelemetryRoute,
  accepted: number,
  row: Record<string, unknown>,
  body: ParsedBatchItem["body"],
) {
  if (route !== "health") return { accepted };
  return {
    health_status: deriveHealth(body as HealthReport),
    received_at: new Date(Number(row.received_at)).toISOString(),
  };
}

function settle(route: string, read: () => unknown): BatchItemResult {
  try {
    return { route, status: 200, data: read() };
  } catch (error) {
    return failed(route, error);
  }
}

/** Turns an item's own failure, such as a 409, into its result; other errors fail the request. */
function failed(route: string, error: unknown): BatchItemResult {
  if (!(error instanceof ApiError)) throw error;
  return { route, status: error.status, error: error.message };
}
