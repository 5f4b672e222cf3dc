import { JwtVerifier } from "aws-jwt-verify";
import { SimpleFetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import {
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from "aws-jwt-verify/error";
import { unauthorized } from "../errors";
import { logger } from "../log";

/** The dashboard user a verified Supabase JWT names. */
export interface AuthenticatedUser {
  id: string;
  email?: string;
}

export interface UserVerifier {
  verify(token: string): Promise<AuthenticatedUser>;
}

export const SUPABASE_AUDIENCE = "authenticated";
const ACCEPTED_ALGORITHMS = new Set(["ES256", "RS256"]);

/** Returns the issuer Supabase Auth writes into `iss` for a project URL. */
export function supabaseIssuer(supabaseUrl: string): string {
  return `${supabaseUrl.replace(/\/+$/, "")}/auth/v1`;
}

export function supabaseJwksUrl(supabaseUrl: string): string {
  return `${supabaseIssuer(supabaseUrl)}/.well-known/jwks.json`;
}

/**
 * Verifies Supabase access tokens against the project's JWKS. Accepts ES256
 * and RS256 only, requires `aud = authenticated`, `role = authenticated` and
 * a `sub`. The key set is cached and refetched only for an unknown `kid`.
 */
export function createSupabaseVerifier(options: {
  issuer: string;
  jwksUri: string;
}): UserVerifier {
  const verifier = JwtVerifier.create(
    {
      issuer: options.issuer,
      audience: SUPABASE_AUDIENCE,
      jwksUri: options.jwksUri,
      customJwtCheck: ({ header, payload }) => {
        const algorithm = header.alg ?? "none";
        if (!ACCEPTED_ALGORITHMS.has(algorithm)) {
          throw new JwtInvalidSignatureAlgorithmError(
            "JWT signature algorithm not allowed",
            algorithm,
            [...ACCEPTED_ALGORITHMS],
          );
        }
        if (typeof payload.sub !== "string" || payload.sub === "") {
          throw new Error("JWT has no sub claim");
        }
        if (payload.role !== "authenticated") {
          throw new Error(`JWT role is "${String(payload.role)}"`);
        }
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: new LoopbackAwareFetcher() }) },
  );

  return {
    async verify(token) {
      try {
        const payload = await verifier.verify(token);
        const email =
          typeof payload.email === "string" ? payload.email : undefined;
        return { id: payload.sub as string, email };
      } catch (error) {
        const reason = describeFailure(error);
        const detail = error instanceof Error ? error.message : String(error);
        logger.info({ reason, detail }, "JWT rejected");
        throw unauthorized(`invalid token: ${reason}`);
      }
    },
  };
}

/**
 * aws-jwt-verify fetches over https only. The local dev issuer serves its
 * JWKS over plain http on 127.0.0.1, so loopback http URLs go through fetch.
 */
class LoopbackAwareFetcher extends SimpleFetcher {
  override async fetch(
    uri: string,
    requestOptions?: Record<string, unknown>,
    data?: ArrayBuffer,
  ) {
    const url = new URL(uri);
    if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (!response.ok)
        throw new Error(
          `JWKS request to ${uri} failed with ${response.status}`,
        );
      return response.arrayBuffer();
    }
    return super.fetch(uri, requestOptions, data);
  }
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

function describeFailure(error: unknown): string {
  if (error instanceof JwtExpiredError) return "expired";
  if (error instanceof JwtNotBeforeError) return "not yet valid";
  if (error instanceof JwtInvalidIssuerError) {
    const { actual, expected } = error.failedAssertion;
    return `wrong issuer ${quoteList(actual)}; expected ${quoteList(expected)}`;
  }
  if (error instanceof JwtInvalidAudienceError) return "wrong audience";
  if (error instanceof JwtInvalidSignatureAlgorithmError) {
    return "signature algorithm not allowed";
  }
  if (error instanceof JwtInvalidSignatureError) return "bad signature";
  if (
    error instanceof KidNotFoundInJwksError ||
    error instanceof WaitPeriodNotYetEndedJwkError
  ) {
    return "unknown signing key";
  }
  if (error instanceof JwtParseError) return "malformed";
  if (error instanceof JwtBaseError) return "rejected";
  if (
    error instanceof Error &&
    /^JWT (has no sub|role is)/.test(error.message)
  ) {
    return error.message.slice(4);
  }
  return "rejected";
}

function quoteList(value: unknown): string {
  const values = Array.isArray(value) ? value : [value];
  return values.map((item) => JSON.stringify(item)).join(" or ");
}
