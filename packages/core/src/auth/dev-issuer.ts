import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type JsonWebKey,
} from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SUPABASE_AUDIENCE } from "./jwt";

/**
 * A local stand-in for Supabase Auth: an ES256 key pair whose public half is
 * served as a JWKS, and which signs tokens shaped like Supabase's. It exists
 * only for local runs and tests.
 */
export interface DevIssuer {
  issuer: string;
  kid: string;
  jwks: { keys: JsonWebKey[] };
  signToken(claims: Record<string, unknown>): string;
  mintUserToken(
    user: { id: string; email?: string },
    ttlSeconds?: number,
  ): string;
}

interface StoredKey {
  kid: string;
  privateJwk: JsonWebKey;
}

export function createDevIssuer(issuer: string, stored?: StoredKey): DevIssuer {
  const key = stored ?? generateKey();
  const privateKey = createPrivateKey({ key: key.privateJwk, format: "jwk" });
  const publicJwk = createPublicKey(privateKey).export({ format: "jwk" });

  const signToken = (claims: Record<string, unknown>) =>
    signJwt({ alg: "ES256", typ: "JWT", kid: key.kid }, claims, (input) =>
      sign("sha256", input, { key: privateKey, dsaEncoding: "ieee-p1363" }),
    );

  return {
    issuer,
    kid: key.kid,
    jwks: { keys: [{ ...publicJwk, kid: key.kid, alg: "ES256", use: "sig" }] },
    signToken,
    mintUserToken(user, ttlSeconds = 3600) {
      const now = Math.floor(Date.now() / 1000);
      return signToken({
        iss: issuer,
        sub: user.id,
        aud: SUPABASE_AUDIENCE,
        role: "authenticated",
        email: user.email,
        iat: now,
        exp: now + ttlSeconds,
      });
    },
  };
}

/**
 * Loads the dev issuer's key from `dir`, creating it on first use. The file
 * is readable by its owner only.
 */
export async function loadDevIssuer(
  dir: string,
  issuer: string,
): Promise<DevIssuer> {
  const file = join(dir, "dev-issuer-key.json");
  let stored: StoredKey;
  try {
    stored = JSON.parse(await readFile(file, "utf8")) as StoredKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    stored = generateKey();
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify(stored), {
      mode: 0o600,
      flag: "wx",
    }).catch(async (writeError: NodeJS.ErrnoException) => {
      // Another process created it first; use that one.
      if (writeError.code !== "EEXIST") throw writeError;
      stored = JSON.parse(await readFile(file, "utf8")) as StoredKey;
    });
    await chmod(file, 0o600);
  }
  return createDevIssuer(issuer, stored);
}

function generateKey(): StoredKey {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    kid: randomUUID(),
    privateJwk: privateKey.export({ format: "jwk" }),
  };
}

export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString("base64url");
}

/** Builds a compact JWS from a header, claims and a signing function. */
export function signJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signer: (input: Buffer) => Buffer,
): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${base64url(signer(Buffer.from(input)))}`;
}
