import { settings } from "../config";
import { expiryOf, type Session } from "./session";

async function postJson(url: string, body: unknown, headers = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const payload = (await response.json().catch(() => ({}))) as Record<
    string,
    unknown
  >;
  if (!response.ok) {
    const message =
      payload.error_description ?? payload.msg ?? payload.error ?? "";
    throw new Error(
      `sign-in failed (${response.status})${message ? `: ${String(message)}` : ""}`,
    );
  }
  return payload;
}

/** Signs in with Supabase Auth's password grant, the call supabase-js makes. */
export async function supabaseSignIn(
  email: string,
  password: string,
): Promise<Session> {
  const payload = await postJson(
    `${settings.supabaseUrl}/auth/v1/token?grant_type=password`,
    { email, password },
    { apikey: settings.supabaseAnonKey },
  );
  const token = String(payload.access_token);
  return { token, email, expiresAt: expiryOf(token) };
}

/** Lists the seeded users of the local stack, for the dev sign-in picker. */
export async function devUsers(): Promise<string[]> {
  const response = await fetch(`${settings.apiUrl}/auth/v1/dev/users`);
  if (!response.ok)
    throw new Error(
      `could not list local users (${response.status}); is this the local stack?`,
    );
  const payload = (await response.json()) as { users: { email: string }[] };
  return payload.users.map((user) => user.email);
}

/** Asks the local stack's dev issuer for a token of a seeded user. */
export async function devSignIn(email: string): Promise<Session> {
  const payload = await postJson(`${settings.apiUrl}/auth/v1/dev/token`, {
    email,
  });
  const token = String(payload.access_token);
  return { token, email, expiresAt: expiryOf(token) };
}
