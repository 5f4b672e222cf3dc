import { describe, expect, it } from "vitest";
import { jitteredDelayMs } from "../src/agent";

describe("jitteredDelayMs", () => {
  it("spreads the wait 10 % either side of the interval", () => {
    expect(jitteredDelayMs(30, () => 0)).toBe(27_000);
    expect(jitteredDelayMs(30, () => 0.5)).toBe(30_000);
    expect(jitteredDelayMs(30, () => 1)).toBe(33_000);
  });
});
