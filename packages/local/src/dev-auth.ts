import type { IncomingMessage, ServerResponse } from "node:http";
import type { DevIssuer } from "@synthcore/core/auth/dev-issuer";
import type { Queryable } from "@synthcore/core/db/pool";
import { PayloadTooLargeError, readBody } from "./events";

const MAX_TTL_SECONDS = 24 * 3600;

/**
 * Serves the local sign-in the dashboard uses instead of Supabase Auth: a
 * list of the seeded users and a token for one of them. Only the local
 * stack serves it, and no Lambda route leads here.
 */
export async function serveDevAuth(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  deps: { db: Queryable; issuer: DevIssuer },
): Promise<boolean> {
  if (path === "/auth/v1/dev/users" && request.method === "GET") {
    const { rows } = await deps.db.query<{ email: string }>(
      "SELECT email FROM users ORDER BY email LIMIT 200",
    );
    send(response, 200, { users: rows });
    return true;
  }
  if (path === "/auth/v1/dev/token" && request.method === "POST") {
    await issueToken(request, response, deps);
    return true;
  }
  return false;
}

async function issueToken(
  request: IncomingMessage,
  response: ServerResponse,
  deps: { db: Queryable; issuer: DevIssuer },
): Promise<void> {
  let body: { email?: unknown; ttl_seconds?: unknown };
  try {
    body = JSON.parse((await readBody(request, 4096)).toString("utf8"));
  } catch (error) {
    if (error instanceof PayloadTooLargeError) {
      return send(response, 413, {
        error:
          "request body is over 4096 bytes; expected a JSON body with email",
      });
    }
    return send(response, 400, { error: "expected a JSON body with email" });
  }
  const ttl = body.ttl_seconds ?? 3600;
  if (typeof body.email !== "string")
    return send(response, 400, { error: "email: required" });
  if (
    !Number.isInteger(ttl) ||
    (ttl as number) < 1 ||
    (ttl as number) > MAX_TTL_SECONDS
  )
    return send(response, 400, {
      error: `ttl_seconds: expected an integer from 1 to ${MAX_TTL_SECONDS}`,
    });

  const { rows } = await deps.db.query<{ id: string; email: string }>(
    "SELECT id, email FROM users WHERE email = $1",
    [body.email.trim().toLowerCase()],
  );
  const user = rows[0];
  if (!user)
    return send(response, 404, {
      error: `no user ${body.email}; create one with "synthcore org create" or "org add-member"`,
    });
  send(response, 200, {
    access_token: deps.issuer.mintUserToken(user, ttl as number),
    token_type: "bearer",
    expires_in: ttl,
    user,
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(text);
}
