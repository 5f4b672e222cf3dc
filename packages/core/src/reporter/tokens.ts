import { hash, randomBytes } from "node:crypto";
import type { Database, Queryable } from "../db/pool";
import type { Statement } from "../db/statement";
import { unauthorized } from "../errors";

const TOKEN_PREFIX = "scr_";
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^scr_[A-Za-z0-9_-]{43}$/;

export function hashReporterToken(token: string): Buffer {
  return hash("sha256", token, "buffer");
}

/**
 * Revokes every active token of the project and mints a new one. The token
 * is returned once; only its SHA-256 hash is stored.
 */
export async function rotateReporterToken(
  db: Database,
  projectId: string,
): Promise<string> {
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString("base64url");
  await db.transaction(async (client) => {
    const { rows } = await client.query<{ status: string }>(
      "SELECT status FROM projects WHERE id = $1 FOR UPDATE",
      [projectId],
    );
    if (!rows[0]) throw new Error(`project ${projectId} not found`);
    if (rows[0].status === "deleted") {
      throw new Error(`project ${projectId} is deleted; its VM needs no token`);
    }
    await revokeReporterTokens(client, projectId);
    await client.query(
      "INSERT INTO reporter_tokens (project_id, token_hash) VALUES ($1, $2)",
      [projectId, hashReporterToken(token)],
    );
  });
  return token;
}

/** Revokes every active token of the project; returns how many it revoked. */
export async function revokeReporterTokens(
  db: Queryable,
  projectId: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE reporter_tokens SET revoked_at = now()
     WHERE project_id = $1 AND revoked_at IS NULL`,
    [projectId],
  );
  return rowCount ?? 0;
}

/**
 * Returns the SHA-256 of a well-formed bearer token. Throws 401 for a
 * missing or malformed one without a database query.
 */
export function reporterTokenHash(token: string | undefined): Buffer {
  if (!token)
    throw unauthorized("missing bearer token in Authorization header");
  if (!TOKEN_PATTERN.test(token)) {
    throw unauthorized("reporter token is malformed; expected scr_<43 chars>");
  }
  return hashReporterToken(token);
}

/** The owner of a token: its project and that project's status, or nulls. */
export interface TokenOwner {
  project_id: string | null;
  project_status: string | null;
}

/** Throws 401 unless the token's owner is `projectId`, a project not deleted. */
export function requireTokenOwner(owner: TokenOwner, projectId: string): void {
  if (!owner.project_id) {
    throw unauthorized(
      `reporter token is invalid or revoked; an operator mints a new one with "synthcore token reporter --project ${projectId}"`,
    );
  }
  if (owner.project_id !== projectId) {
    throw unauthorized(
      `reporter token does not belong to project ${projectId}`,
    );
  }
  if (owner.project_status === "deleted") {
    throw unauthorized(`project ${projectId} is deleted`);
  }
}

const OWNER_SQL = (hash: string) =>
  `SELECT t.project_id, p.status AS project_status FROM reporter_tokens t
   JOIN projects p ON p.id = t.project_id
   WHERE t.token_hash = ${hash} AND t.revoked_at IS NULL`;

/**
 * Adds the token check to a statement: CTE `token_owner` contains the token's
 * owner and `allowed` a row only when the token may write for `projectId`.
 * Every write of the statement is guarded by `allowed`, so the check costs
 * no round trip of its own. Returns the name of `allowed`.
 */
export function checkTokenIn(
  sql: Statement,
  projectId: string,
  hash: Buffer,
): string {
  sql.with("token_owner", OWNER_SQL(sql.param(hash, "bytea")));
  const project = sql.shared("project_id", projectId, "uuid");
  sql.with(
    "allowed",
    `SELECT 1 FROM token_owner
     WHERE project_id = ${project} AND project_status <> 'deleted'`,
  );
  sql.output("project_id", "SELECT project_id FROM token_owner");
  sql.output("project_status", "SELECT project_status FROM token_owner");
  return "allowed";
}

/**
 * Builds the custom data a new VM boots with: the API URL, the project id
 * and a freshly rotated reporter token. Call it only when the VM request is
 * sent, so that the token is never stored in plain text.
 */
export function reporterCustomData(
  db: Database,
  apiUrl: () => string,
): (project: { id: string }) => Promise<Record<string, string>> {
  return async (project) => ({
    SYNTHCORE_API_URL: apiUrl(),
    SYNTHCORE_PROJECT_ID: project.id,
    SYNTHCORE_REPORTER_TOKEN: await rotateReporterToken(db, project.id),
  });
}
