import type { Database } from "../db/pool";
import { Statement } from "../db/statement";
import { rateLimited } from "../errors";
import {
  rateDecisionOf,
  takeRateTokenIn,
  type RateLimit,
} from "../ratelimit/statement";
import { checkTokenIn, requireTokenOwner, type TokenOwner } from "./tokens";

/** A reporter request's project and the SHA-256 of its bearer token. */
export interface ReportCaller {
  projectId: string;
  tokenHash: Buffer;
}

/**
 * Adds the token check and the take from the project's rate limit to a
 * statement. The take happens only for a valid token, so a caller without
 * one cannot drain the bucket.
 *
 * `health`, a health report's status, is stored with the bucket unless the
 * project is stopping, stopped or being deleted. Returns the name of the
 * CTE that guards every write: it contains a row when both checks passed.
 */
export function checkAccessIn(
  sql: Statement,
  caller: ReportCaller,
  now: number,
  limit: RateLimit,
  health?: string,
): string {
  const authorized = checkTokenIn(sql, caller.projectId, caller.tokenHash);
  // A late report from a VM that is stopping or gone leaves its health.
  const status =
    health === undefined
      ? undefined
      : `CASE WHEN (SELECT project_status FROM token_owner)
           IN ('stopping', 'stopped', 'deleting') THEN NULL
         ELSE ${sql.param(health, "text")} END`;
  return takeRateTokenIn(sql, authorized, caller.projectId, now, limit, status);
}

/** Throws 401 for a token that may not write, then 429 for an empty bucket. */
export function requireAccess(
  row: Record<string, unknown>,
  projectId: string,
): void {
  requireTokenOwner(row as unknown as TokenOwner, projectId);
  const decision = rateDecisionOf(row);
  if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
}

/**
 * Checks the token and takes a rate-limit token in a statement of its own,
 * for a request rejected before its report is written.
 */
export async function checkAccess(
  db: Database,
  caller: ReportCaller,
  now: number,
  limit: RateLimit,
): Promise<void> {
  const sql = new Statement();
  checkAccessIn(sql, caller, now, limit);
  const { rows } = await db.queryPrepared(sql.text, sql.params);
  requireAccess(rows[0]!, caller.projectId);
}
