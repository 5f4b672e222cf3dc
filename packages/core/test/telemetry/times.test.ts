import { describe, expect, it } from "vitest";
import { compareVmTimes } from "../../src/telemetry/telemetry";

describe("compareVmTimes", () => {
  it.each([
    ["2026-04-01T14:30:00Z", "2026-04-01T14:30:01Z", -1],
    ["2026-04-01T14:30:00.0002Z", "2026-04-01T14:30:00.0001Z", 1],
    ["2026-04-01T14:30:00.000100Z", "2026-04-01T14:30:00.0001Z", 0],
    ["2026-04-01T16:30:00+02:00", "2026-04-01T14:30:00Z", 0],
    ["2026-04-01T16:30:00.5+02:00", "2026-04-01T14:30:00.4999Z", 1],
  ])("orders %s against %s as %i", (a, b, sign) => {
    expect(Math.sign(compareVmTimes(a, b))).toBe(sign);
  });
});
