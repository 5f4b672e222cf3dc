import type { Queryable } from "../db/pool";
import type { Statement } from "../db/statement";

export interface ReporterRequestLogEntry {
  projectId: string;
  route: string;
  status: number;
  latencyMs: number;
  error?: string;
  /** The items a batch carried per route, such as {"health": 1}. */
  items?: Record<string, number>;
}

const MAX_ROUTE_LENGTH = 100;
const MAX_ERROR_LENGTH = 1000;

const roundMs = (ms: number) => Math.round(ms * 100) / 100;

/** Cuts an error to the column's length, replacing NUL, which PostgreSQL text rejects. */
const storedError = (error: string | undefined) =>
  error?.slice(0, MAX_ERROR_LENGTH).replaceAll("\0", "\uFFFD") ?? null;

/**
 * Writes one row of `vm_reporter_request_log`, only when the project exists,
 * so that a request naming an unknown id leaves nothing behind.
 */
export async function writeReporterRequestLog(
  db: Queryable,
  entry: ReporterRequestLogEntry,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO vm_reporter_request_log (project_id, route, status, latency_ms, error, items)
     SELECT id, $2, $3, $4, $5, $6 FROM projects WHERE id = $1`,
    [
      entry.projectId,
      entry.route.slice(0, MAX_ROUTE_LENGTH),
      entry.status,
      roundMs(entry.latencyMs),
      storedError(entry.error),
      entry.items ? JSON.stringify(entry.items) : null,
    ],
  );
  return rowCount === 1;
}

/**
 * Adds the request's log row to a statement as a success, written only when
 * `allowed` contains a row. Its latency runs to the end of the statement's own
 * work on the server: the reply's way back is not in it. The row's id comes
 * back as `log_id`, so a later failure can correct the row.
 */
export function logRequestIn(
  sql: Statement,
  allowed: string,
  entry: Omit<ReporterRequestLogEntry, "status" | "error">,
): void {
  const project = sql.shared("project_id", entry.projectId, "uuid");
  const route = sql.param(entry.route.slice(0, MAX_ROUTE_LENGTH), "text");
  const latency = sql.param(roundMs(entry.latencyMs), "float8");
  const items = sql.param(
    entry.items ? JSON.stringify(entry.items) : null,
    "jsonb",
  );
  sql.with(
    "request_log",
    `INSERT INTO vm_reporter_request_log (project_id, route, status, latency_ms, items)
     SELECT ${project}, ${route}, 200,
       round((${latency} + extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::numeric, 2),
       ${items}
     FROM ${allowed} RETURNING id`,
  );
  sql.output("log_id", "SELECT id FROM request_log");
}

/** Corrects a row written as a success when the request failed afterwards. */
export async function correctReporterRequestLog(
  db: Queryable,
  id: number,
  outcome: { status: number; error?: string },
): Promise<void> {
  await db.query(
    "UPDATE vm_reporter_request_log SET status = $2, error = $3 WHERE id = $1",
    [id, outcome.status, storedError(outcome.error)],
  );
}
