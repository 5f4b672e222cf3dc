import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64url, signJwt } from "@synthcore/core/auth/dev-issuer";
import { VmApiHarness, type TestUser } from "./support/harness";

// JWT checks do not touch the database, so PGlite alone is enough here.
describe("vm-api JWT verification", () => {
  let api: VmApiHarness;
  let user: TestUser;
  let projectId: string;
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });

  beforeAll(async () => {
    api = await VmApiHarness.start("pglite");
    user = await api.user("jwt@example.com");
    projectId = await api.project(user, await api.organization(user));
    api.jwksKeys.push(
      {
        ...rsa.publicKey.export({ format: "jwk" }),
        kid: "rsa-key",
        alg: "RS256",
        use: "sig",
      },
      {
        ...p384.publicKey.export({ format: "jwk" }),
        kid: "p384-key",
        alg: "ES384",
        use: "sig",
      },
    );
  });
  afterAll(() => api.close());

  const now = () => Math.floor(Date.now() / 1000);
  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: api.issuer.issuer,
    sub: user.id,
    aud: "authenticated",
    role: "authenticated",
    iat: now(),
    exp: now() + 600,
    ...overrides,
  });
  const status = (token: string) =>
    api.call({ action: "status", project_id: projectId }, { token });
  const signWith = (
    key: KeyObject,
    alg: string,
    kid: string,
    body = claims(),
  ) =>
    signJwt({ alg, typ: "JWT", kid }, body, (input) =>
      alg.startsWith("ES")
        ? sign(alg === "ES384" ? "sha384" : "sha256", input, {
            key,
            dsaEncoding: "ieee-p1363",
          })
        : sign("sha256", input, key),
    );

  it("accepts an ES256 token from the issuer", async () => {
    const response = await status(api.issuer.signToken(claims()));

    expect(response.status).toBe(200);
  });

  it("accepts an RS256 token", async () => {
    const response = await status(signWith(rsa.privateKey, "RS256", "rsa-key"));

    expect(response.status).toBe(200);
  });

  it.each([
    [
      "expired",
      () => api.issuer.signToken(claims({ exp: now() - 60 })),
      "invalid token: expired",
    ],
    [
      "not yet valid",
      () => api.issuer.signToken(claims({ nbf: now() + 600 })),
      "invalid token: not yet valid",
    ],
    [
      "wrong issuer",
      () =>
        api.issuer.signToken(
          claims({ iss: "https://other.supabase.co/auth/v1" }),
        ),
      undefined,
    ],
    [
      "wrong audience",
      () => api.issuer.signToken(claims({ aud: "anon" })),
      "invalid token: wrong audience",
    ],
    [
      "missing sub",
      () => api.issuer.signToken(claims({ sub: undefined })),
      "invalid token: has no sub claim",
    ],
    [
      "role anon",
      () => api.issuer.signToken(claims({ role: "anon" })),
      'invalid token: role is "anon"',
    ],
    [
      "role missing",
      () => api.issuer.signToken(claims({ role: undefined })),
      'invalid token: role is "undefined"',
    ],
    [
      "alg none",
      () =>
        `${base64url(JSON.stringify({ alg: "none", typ: "JWT", kid: api.issuer.kid }))}.${base64url(JSON.stringify(claims()))}.`,
      undefined,
    ],
    [
      "HS256 signed with the public key",
      () => {
        const publicPem = createPublicKey({
          key: api.issuer.jwks.keys[0]!,
          format: "jwk",
        }).export({ type: "spki", format: "pem" });
        return signJwt(
          { alg: "HS256", typ: "JWT", kid: api.issuer.kid },
          claims(),
          (input) => createHmac("sha256", publicPem).update(input).digest(),
        );
      },
      undefined,
    ],
    [
      "ES384",
      () => signWith(p384.privateKey, "ES384", "p384-key"),
      "invalid token: signature algorithm not allowed",
    ],
    [
      "unknown kid",
      () => signWith(stranger.privateKey, "ES256", "unknown-key"),
      "invalid token: unknown signing key",
    ],
    [
      "bad signature",
      () => {
        const [header, , signature] = api.issuer.signToken(claims()).split(".");
        return `${header}.${base64url(JSON.stringify(claims({ sub: randomUUID() })))}.${signature}`;
      },
      "invalid token: bad signature",
    ],
    [
      "a key of another issuer under a known kid",
      () => signWith(stranger.privateKey, "ES256", api.issuer.kid),
      "invalid token: bad signature",
    ],
    ["malformed", () => "not-a-jwt", "invalid token: malformed"],
  ])("rejects %s with 401", async (_case, token, message) => {
    const response = await status(token());

    expect(response.status).toBe(401);
    expect(response.body.error).toMatch(/^invalid token: /);
    if (message) expect(response.body.error).toBe(message);
  });

  it("names both issuers when they differ", async () => {
    const other = "https://other.supabase.co/auth/v1";
    const response = await status(api.issuer.signToken(claims({ iss: other })));

    expect(response.body.error).toBe(
      `invalid token: wrong issuer "${other}"; expected "${api.issuer.issuer}"`,
    );
  });

  it("never echoes the token in the error", async () => {
    const token = api.issuer.signToken(claims({ exp: now() - 60 }));
    const response = await status(token);

    expect(JSON.stringify(response.body)).not.toContain(token.split(".")[1]);
  });
});

describe("vm-api rate limit", () => {
  let api: VmApiHarness;
  let user: TestUser;
  let projectId: string;

  beforeAll(async () => {
    api = await VmApiHarness.start("pglite", { rateLimit: 20 });
    const setup = await api.user("setup@example.com");
    user = await api.user("limited@example.com");
    const organizationId = await api.organization(setup);
    projectId = await api.project(setup, organizationId);
    await api.db.query(
      "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'member')",
      [projectId, user.id],
    );
  });
  afterAll(() => api.close());

  it("50 concurrent requests from one user: exactly 20 succeed", async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        api.call(
          { action: "status", project_id: projectId },
          { token: user.token },
        ),
      ),
    );

    const ok = responses.filter((response) => response.status === 200);
    const limited = responses.filter((response) => response.status === 429);
    expect(ok).toHaveLength(20);
    expect(limited).toHaveLength(30);
    expect(limited[0]!.body).toEqual({
      error: "Rate limit exceeded. Please try again later.",
    });
    for (const response of limited) {
      expect(response.headers["retry-after"]).toMatch(/^[1-9]\d*$/);
    }
  });

  it("an empty bucket answers 429 before reading the body", async () => {
    const response = await api.call("{not json", { token: user.token });

    expect(response.status).toBe(429);
  });

  it("a missing token is a 401, not a 429", async () => {
    const response = await api.call({
      action: "status",
      project_id: projectId,
    });

    expect(response.status).toBe(401);
  });

  it("another user has a bucket of their own", async () => {
    const other = await api.user("unlimited@example.com");
    const response = await api.call(
      { action: "status", project_id: projectId },
      { token: other.token },
    );

    expect(response.status).toBe(403);
  });
});
