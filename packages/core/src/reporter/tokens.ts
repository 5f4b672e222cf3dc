import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database, Queryable } from "../db/pool";
import { unauthorized } from "../errors";

const TOKEN_PREFIX = "scr_";
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^scr_[A-Za-z0-9_-]{43}$/;

export function hashReporterToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
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
    const { rowCount } = await client.query(
      "SELECT 1 FROM projects WHERE id = $1 FOR UPDATE",
      [projectId],
    );
    if (rowCount !== 1) throw new Error(`project ${projectId} not found`);
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
 * Checks a bearer token against the active tokens in the database and
 * throws 401 unless it belongs to `projectId`, a project not deleted.
 */
export async function verifyReporterToken(
  db: Queryable,
  projectId: string,
  token: string | undefined,
): Promise<void> {
  if (!token)
    throw unauthorized("missing bearer token in Authorization header");
  if (!TOKEN_PATTERN.test(token)) {
    throw unauthorized("reporter token is malformed; expected scr_<43 chars>");
  }
  const hash = hashReporterToken(token);
  const { rows } = await db.query<{
    project_id: string;
    token_hash: Buffer;
    status: string;
  }>(
    `SELECT t.project_id, t.token_hash, p.status FROM reporter_tokens t
     JOIN projects p ON p.id = t.project_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
    [hash],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash), hash)) {
    throw unauthorized("reporter token is invalid or revoked");
  }
  if (row.project_id !== projectId) {
    throw unauthorized(
      `reporter token belongs to another project, not to project ${projectId}`,
    );
  }
  if (row.status === "deleted") {
    throw unauthorized(`project ${projectId} is deleted`);
  }
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
