export interface Session {
  token: string;
  email: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const KEY = "synthcore.session";

export function loadSession(): Session | undefined {
  const text = sessionStorage.getItem(KEY);
  if (!text) return undefined;
  try {
    const session = JSON.parse(text) as Session;
    return isExpired(session) ? undefined : session;
  } catch {
    sessionStorage.removeItem(KEY);
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

export function isExpired(session: Session, now = Date.now()): boolean {
  return session.expiresAt <= now;
}

/** Reads `exp` from a JWT's claims; the API verifies the signature. */
export function expiryOf(token: string): number {
  const claims = token.split(".")[1] ?? "";
  const json = atob(claims.replace(/-/g, "+").replace(/_/g, "/"));
  const exp = (JSON.parse(json) as { exp?: unknown }).exp;
  if (typeof exp !== "number") throw new Error("the token has no expiry");
  return exp * 1000;
}
