import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoClient } from "../../src/dynamo/client";
import { startDynalite, type LocalDynamo } from "../../src/dynamo/local";
import {
  ensureTables,
  rateLimitTableDefinition,
} from "../../src/dynamo/tables";
import { createTokenBucket } from "../../src/ratelimit/bucket";

describe("token bucket on dynalite", () => {
  let dynamo: LocalDynamo;
  let client: ReturnType<typeof createDynamoClient>;
  let clock = 1_800_000_000_000;

  beforeAll(async () => {
    dynamo = await startDynalite();
    client = createDynamoClient({
      region: "us-east-1",
      endpoint: dynamo.endpoint,
    });
    await ensureTables(client, [rateLimitTableDefinition("buckets")]);
  });
  afterAll(() => dynamo.close());

  const bucket = (capacity: number) =>
    createTokenBucket({
      client,
      table: "buckets",
      capacity,
      windowSeconds: 60,
      now: () => clock,
    });

  it("allows a full bucket, then rejects", async () => {
    const limiter = bucket(3);
    const decisions = [];
    for (let index = 0; index < 4; index++)
      decisions.push(await limiter.take("burst"));

    expect(decisions.slice(0, 3).every((decision) => decision.allowed)).toBe(
      true,
    );
    expect(decisions[3]).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });

  it("refills one token per interval", async () => {
    const limiter = bucket(3);
    for (let index = 0; index < 3; index++) await limiter.take("refill");
    expect((await limiter.take("refill")).allowed).toBe(false);

    clock += 20_000;
    expect((await limiter.take("refill")).allowed).toBe(true);
    expect((await limiter.take("refill")).allowed).toBe(false);
  });

  it("rounds Retry-After up to whole seconds", async () => {
    const limiter = bucket(3);
    for (let index = 0; index < 3; index++) await limiter.take("round");
    clock += 19_500;
    expect((await limiter.take("round")).allowed).toBe(false);

    const decision = await limiter.take("round");
    expect(decision).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it("a bucket idle for a full window is full again, no more", async () => {
    const limiter = bucket(3);
    for (let index = 0; index < 3; index++) await limiter.take("idle");
    clock += 600_000;

    const decisions = [];
    for (let index = 0; index < 4; index++)
      decisions.push((await limiter.take("idle")).allowed);
    expect(decisions).toEqual([true, true, true, false]);
  });

  it("keys are independent", async () => {
    const limiter = bucket(1);
    expect((await limiter.take("a")).allowed).toBe(true);
    expect((await limiter.take("a")).allowed).toBe(false);
    expect((await limiter.take("b")).allowed).toBe(true);
  });

  it("concurrent takes never exceed the capacity", async () => {
    const limiter = bucket(20);
    const decisions = await Promise.all(
      Array.from({ length: 60 }, () => limiter.take("race")),
    );

    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(20);
  });

  it("sets a TTL past the moment the bucket is full again", async () => {
    await bucket(20).take("ttl");
    const item = await client.get({
      TableName: "buckets",
      Key: { key: "ttl" },
    });

    expect(item!.expires_at).toBeGreaterThanOrEqual(
      Math.ceil(clock / 1000) + 60,
    );
  });
});
