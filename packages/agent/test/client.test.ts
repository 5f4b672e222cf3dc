import { describe, expect, it } from "vitest";
import { ReporterClient, ReporterError } from "../src/client";
import { retryDelayMs, DEFAULT_RETRY } from "../src/retry";

const PROJECT = "11111111-2222-4333-8444-555555555555";

/** Builds a fetch that replies from a script and records each request. */
function scripted(
  responses: Array<[number, unknown, Record<string, string>?]>,
) {
  const requests: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    const [status, body, headers] = responses.shift()!;
    return new Response(JSON.stringify(body), { status, headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

function client(fetch: typeof globalThis.fetch, waits: number[]) {
  return new ReporterClient({
    baseUrl: "http://127.0.0.1:4000/",
    projectId: PROJECT,
    token: "scr_test",
    fetch,
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
  });
}

describe("ReporterClient", () => {
  it("sends the token, project id and route", async () => {
    const { fetch, requests } = scripted([
      [200, { success: true, data: { commands: [] } }],
    ]);

    const result = await client(fetch, []).call("commands/poll", {});

    expect(result).toEqual({ commands: [] });
    expect(requests[0]!.url).toBe(
      "http://127.0.0.1:4000/functions/v1/vm-reporter/commands/poll",
    );
    expect(requests[0]!.init.headers).toMatchObject({
      authorization: "Bearer scr_test",
      "x-project-id": PROJECT,
    });
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual({
      max_commands: 5,
    });
  });

  it("sends a batch to the batch route and reads its reply", async () => {
    const reply = { results: [], commands: [], report_interval_seconds: 45 };
    const { fetch, requests } = scripted([
      [200, { success: true, data: reply }],
    ]);

    const result = await client(fetch, []).batch({ items: [] });

    expect(result).toEqual(reply);
    expect(requests[0]!.url).toBe(
      "http://127.0.0.1:4000/functions/v1/vm-reporter/batch",
    );
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual({
      items: [],
      max_commands: 5,
    });
  });

  it("checks a batch's items before sending it", async () => {
    const { fetch, requests } = scripted([]);
    const bad = { route: "health", body: { cpu_percent: 5 } } as any;

    await expect(client(fetch, []).batch({ items: [bad] })).rejects.toThrow(
      /reported_at/,
    );
    expect(requests).toEqual([]);
  });

  it("waits for Retry-After plus jitter after a 429", async () => {
    const waits: number[] = [];
    const { fetch } = scripted([
      [429, { error: "Rate limit exceeded." }, { "retry-after": "2" }],
      [200, { success: true, data: { commands: [] } }],
    ]);

    await client(fetch, waits).call("commands/poll", {});

    expect(waits).toEqual([2000 + 2000 * DEFAULT_RETRY.retryAfterJitter * 0.5]);
  });

  it("retries a 503 with backoff and gives up after four attempts", async () => {
    const waits: number[] = [];
    const failure: [number, unknown] = [503, { error: "unavailable" }];
    const { fetch, requests } = scripted([failure, failure, failure, failure]);

    const call = client(fetch, waits).call("commands/poll", {});

    await expect(call).rejects.toThrow("commands/poll: 503 unavailable");
    expect(requests).toHaveLength(4);
    expect(waits).toEqual([250, 500, 1000]);
  });

  it("does not retry a 401", async () => {
    const { fetch, requests } = scripted([
      [401, { error: "reporter token is invalid or revoked" }],
    ]);

    const call = client(fetch, []).call("commands/poll", {});

    await expect(call).rejects.toBeInstanceOf(ReporterError);
    expect(requests).toHaveLength(1);
  });

  it("rejects an invalid body before sending it", async () => {
    const { fetch, requests } = scripted([]);

    await expect(
      client(fetch, []).call("commands/poll", { max_commands: 99 }),
    ).rejects.toThrow(/max_commands/);
    expect(requests).toHaveLength(0);
  });
});

describe("retryDelayMs", () => {
  it("caps the exponential backoff", () => {
    expect(retryDelayMs(20, undefined, DEFAULT_RETRY, () => 1)).toBe(
      DEFAULT_RETRY.maxDelayMs,
    );
  });
});
