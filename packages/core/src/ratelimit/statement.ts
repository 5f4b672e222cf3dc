import type { Statement } from "../db/statement";
import type { RateDecision } from "./bucket";

export interface RateLimit {
  /** Tokens in a full bucket, also the refill per window. */
  capacity: number;
  windowSeconds?: number;
}

/**
 * Adds a take from the project's token bucket in `reporter_state` to a
 * statement, only when `guard` contains a row.
 *
 * The bucket is the generic cell rate algorithm of the DynamoDB bucket.
 * Postgres has greatest(), so refill and take are one conditional update of
 * the project's row, which every project has from its creation, and
 * concurrent takes lock the row in turn. `health` is an SQL expression for
 * a health report's status, or NULL. The same update writes it, so that a
 * report updates one row.
 *
 * Returns the name of a CTE that contains a row when the token was taken.
 * Read the outcome with `rateDecisionOf`.
 */
export function takeRateTokenIn(
  sql: Statement,
  guard: string,
  projectId: string,
  now: number,
  limit: RateLimit,
  health = "NULL::text",
): string {
  const interval = ((limit.windowSeconds ?? 60) * 1000) / limit.capacity;
  const project = sql.shared("project_id", projectId, "uuid");
  const at = sql.param(now, "float8");
  const step = sql.param(interval, "float8");
  // The bucket has a token while `tat` is at most this far ahead of now.
  const ceiling = sql.param(now + (limit.capacity - 1) * interval, "float8");
  const status = `(${health})`;
  sql.with(
    "rate_token",
    `UPDATE reporter_state AS r
     SET tat = greatest(r.tat, ${at}) + ${step},
       health_status = coalesce(${status}, r.health_status),
       last_report_at = CASE WHEN ${status} IS NULL THEN r.last_report_at ELSE now() END
     FROM ${guard}
     WHERE r.project_id = ${project} AND greatest(r.tat, ${at}) <= ${ceiling}
     RETURNING 1`,
  );
  sql.output("rate_taken", "SELECT EXISTS (SELECT 1 FROM rate_token)");
  // Read only for a rejected take. The snapshot still shows the bucket as
  // it was before this statement.
  sql.output(
    "rate_wait_ms",
    `SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM rate_token)
       THEN (SELECT tat - ${ceiling} FROM reporter_state WHERE project_id = ${project})
     END`,
  );
  return "rate_token";
}

/** Reads the take's outcome from the statement's row. */
export function rateDecisionOf(row: Record<string, unknown>): RateDecision {
  if (row.rate_taken === true) return { allowed: true };
  if (row.rate_wait_ms === null || row.rate_wait_ms === undefined) {
    // Without its row, a 429 would reject every report of the project for
    // good. Migration 0005 gives every project its row.
    throw new Error(
      `reporter_state row missing for project ${String(row.project_id)}; apply migration 0005 with "synthcore migrate"`,
    );
  }
  // A concurrent take may have moved the bucket after this snapshot.
  const seconds = Math.ceil(Number(row.rate_wait_ms) / 1000);
  return { allowed: false, retryAfterSeconds: Math.max(seconds, 1) };
}
