import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { boundSecretNames, loadSecrets } from "../../src/runtime/secrets";

afterEach(() => {
  vi.unstubAllEnvs();
});

/** SST's environment for a function of stage "test" with bound secrets. */
function bindSecrets(markers: Record<string, string>) {
  vi.stubEnv("SST_APP", "synthcore");
  vi.stubEnv("SST_STAGE", "test");
  vi.stubEnv("SST_REGION", "ap-southeast-2");
  vi.stubEnv("SST_SSM_PREFIX", "/sst/synthcore/test/");
  for (const [name, marker] of Object.entries(markers)) {
    vi.stubEnv(`SST_Secret_value_${name}`, marker);
    vi.stubEnv(name, undefined);
  }
}

/**
 * Serves SSM's GetParameters on 127.0.0.1 from `values` (parameter name to
 * value) and records the requested names.
 */
async function fakeSsm(values: Record<string, string>) {
  const requested: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const { Names } = JSON.parse(body) as { Names: string[] };
      requested.push(...Names);
      response.setHeader("content-type", "application/x-amz-json-1.1");
      response.end(
        JSON.stringify({
          Parameters: Names.filter((name) => name in values).map((name) => ({
            Name: name,
            Type: "SecureString",
            Value: values[name],
          })),
          InvalidParameters: Names.filter((name) => !(name in values)),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requested, server };
}

describe("loadSecrets", () => {
  it("does nothing without bound secrets", async () => {
    vi.stubEnv("DATABASE_URL", "postgres://local@127.0.0.1:5432/synthcore");
    const before = { ...process.env };

    await loadSecrets();

    expect(process.env).toEqual(before);
  });

  it("copies values already in the environment", async () => {
    bindSecrets({
      DATABASE_URL: "postgres://u:p@db.test/x",
      AZURE_CLIENT_SECRET: "client-secret",
    });

    await loadSecrets();

    expect(process.env.DATABASE_URL).toBe("postgres://u:p@db.test/x");
    expect(process.env.AZURE_CLIENT_SECRET).toBe("client-secret");
  });

  it("fetches SSM secrets with fallback", async () => {
    const ssm = await fakeSsm({
      "/sst/synthcore/test/Secret/DATABASE_URL/value": "postgres://stage",
      "/sst/synthcore/.fallback/Secret/SUPABASE_URL/value":
        "https://fallback.supabase.test",
    });
    try {
      bindSecrets({ DATABASE_URL: "__FETCH_FROM_SSM__" });
      bindSecrets({ SUPABASE_URL: "__FETCH_FROM_SSM__" });
      vi.stubEnv("AWS_ENDPOINT_URL_SSM", ssm.url);
      vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDTEST");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test-secret");
      vi.stubEnv("AWS_SESSION_TOKEN", "test-token");

      await loadSecrets();

      expect(process.env.DATABASE_URL).toBe("postgres://stage");
      expect(process.env.SUPABASE_URL).toBe("https://fallback.supabase.test");
      expect(ssm.requested).toContain(
        "/sst/synthcore/.fallback/Secret/SUPABASE_URL/value",
      );
    } finally {
      ssm.server.close();
    }
  });
});

describe("loadSecrets without a value", () => {
  it("names the secret and how to set it", async () => {
    const ssm = await fakeSsm({});
    try {
      bindSecrets({ DATABASE_URL: "__FETCH_FROM_SSM__" });
      vi.stubEnv("AWS_ENDPOINT_URL_SSM", ssm.url);
      vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDTEST");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test-secret");

      await expect(loadSecrets()).rejects.toThrow(
        'SST secret DATABASE_URL has no value; set it with "npx sst secrets set DATABASE_URL"',
      );
      expect(ssm.requested).toEqual([
        "/sst/synthcore/test/Secret/DATABASE_URL/value",
        "/sst/synthcore/.fallback/Secret/DATABASE_URL/value",
      ]);
    } finally {
      ssm.server.close();
    }
  });
});

describe("boundSecretNames", () => {
  it("lists bound secret names", () => {
    const env = {
      SST_Secret_value_DATABASE_URL: "__FETCH_FROM_SSM__",
      SST_Secret_value_SUPABASE_URL: "__FETCH_FROM_SSM__",
      SST_APP: "synthcore",
      DATABASE_URL: "postgres://ignored",
    };

    expect(boundSecretNames(env)).toEqual(["DATABASE_URL", "SUPABASE_URL"]);
  });
});
