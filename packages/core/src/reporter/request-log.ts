import type { Queryable } from "../db/pool";

export interface ReporterRequestLogEntry {
  projectId: string;
  route: string;
  status: number;
  latencyMs: number;
  error?: string;
}

const MAX_ROUTE_LENGTH = 100;
const MAX_ERROR_LENGTH = 1000;

/**
 * Writes one row of `vm_reporter_request_log`, only when the project exists,
 * so that a request naming an unknown id leaves nothing behind.
 */
export async function writeReporterRequestLog(
  db: Queryable,
  entry: ReporterRequestLogEntry,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO vm_reporter_request_log (project_id, route, status, latency_ms, error)
     SELECT id, $2, $3, $4, $5 FROM projects WHERE id = $1`,
    [
      entry.projectId,
      entry.route.slice(0, MAX_ROUTE_LENGTH),
      entry.status,
      Math.round(entry.latencyMs * 100) / 100,
      entry.error?.slice(0, MAX_ERROR_LENGTH) ?? null,
    ],
  );
  return rowCount === 1;
}
