import {
  acknowledgeApprovalIn,
  createApprovalIn,
} from "../approvals/approvals";
import {
  advanceCommand,
  hasDueCommands,
  leaseCommands,
  listOpenCommands,
  type CommandDeps,
  type HistoryUpdate,
} from "../commands/commands";
import { advanceHistoryIn } from "../commands/history";
import type { CommandItem } from "../commands/queue";
import type { DeliveredCommand } from "../commands/schemas";
import { Statement } from "../db/statement";
import { ApiError } from "../errors";
import { isTelemetryRoute, type TelemetryRoute } from "../telemetry/telemetry";
import { insertTelemetry } from "../telemetry/write";
import type { BatchItemResult, ParsedBatchItem } from "./batch";
import { logRequestIn } from "./request-log";
import {
  checkTokenIn,
  requireTokenOwner,
  verifyReporterToken,
  type TokenOwner,
} from "./tokens";

export interface ReportCaller {
  projectId: string;
  token: string;
  tokenHash: Buffer;
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
 * Applies a report: telemetry, approvals, acknowledgements, command status
 * reports and a poll. On the hot path (no command to lease or report) it
 * costs one DynamoDB Query when it polls and one Postgres statement that
 * checks the token, writes everything and the request log together. A
 * command to lease or report first needs the token checked on its own, so
 * that a caller without a valid token cannot change the queue.
 */
export async function applyReport(
  deps: CommandDeps,
  caller: ReportCaller,
  report: Report,
): Promise<ReportOutcome> {
  const { projectId } = caller;
  const open =
    report.maxCommands > 0 ? await listOpenCommands(deps, projectId) : [];
  const statuses = report.items.filter(
    (item) => item.route === "commands/status",
  );
  const now = (deps.now ?? Date.now)();
  const queue = {
    commands: [] as DeliveredCommand[],
    history: [] as HistoryUpdate[],
  };
  const early = new Map<ParsedBatchItem, BatchItemResult>();
  if (statuses.length > 0 || hasDueCommands(open, now)) {
    await verifyReporterToken(deps.db, projectId, caller.token);
    for (const item of statuses) {
      early.set(item, await reportStatus(deps, projectId, item, queue.history));
    }
    Object.assign(queue, await lease(deps, open, report, queue.history));
  }

  const sql = new Statement();
  const allowed = checkTokenIn(sql, projectId, caller.tokenHash);
  const readers = addWrites(sql, allowed, projectId, report.items, now);
  advanceHistoryIn(sql, allowed, projectId, queue.history);
  logRequestIn(sql, allowed, {
    projectId,
    route: report.log.route,
    latencyMs: report.elapsedMs(),
    items: report.log.items,
  });
  sql.output("received_at", "now()");
  const { rows } = await deps.db.query(sql.text, sql.params);
  const row = rows[0]!;
  requireTokenOwner(row as TokenOwner, projectId);

  const results = report.items.map(
    (item) =>
      early.get(item) ?? settle(item.route, () => readers.get(item)!(row)),
  );
  return { results, commands: queue.commands, logId: Number(row.log_id) };
}

async function lease(
  deps: CommandDeps,
  open: CommandItem[],
  report: Report,
  history: HistoryUpdate[],
) {
  const leased = await leaseCommands(deps, open, report.maxCommands);
  history.push(...leased.history);
  return { commands: leased.commands, history };
}

async function reportStatus(
  deps: CommandDeps,
  projectId: string,
  item: ParsedBatchItem,
  history: HistoryUpdate[],
): Promise<BatchItemResult> {
  try {
    const moved = await advanceCommand(deps, projectId, item.body);
    if (moved.history) history.push(moved.history);
    return { route: item.route, status: 200, data: moved.result };
  } catch (error) {
    return failed(item.route, error);
  }
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
      readers.set(item, (row) => telemetryResult(route, counts[index]!, row)),
    );
  }
  return readers;
}

function telemetryResult(
  route: TelemetryRoute,
  accepted: number,
  row: Record<string, unknown>,
) {
  if (route !== "health") return { accepted };
  const receivedAt = row.received_at as Date;
  return {
    health_status: row.health_status,
    received_at: receivedAt.toISOString(),
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
