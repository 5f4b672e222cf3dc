import { describe, expect, it } from "vitest";
import { DEFAULT_CORS_ORIGINS, parseConfig } from "../src/config";

describe("parseConfig", () => {
  it("applies defaults", () => {
    const config = parseConfig({});

    expect(config.VM_API_RATE_LIMIT).toBe(20);
    expect(config.CORS_ALLOWED_ORIGINS).toEqual(DEFAULT_CORS_ORIGINS);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("splits the CORS allowlist", () => {
    const config = parseConfig({
      CORS_ALLOWED_ORIGINS: "https://a.example, https://b.example",
    });

    expect(config.CORS_ALLOWED_ORIGINS).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
  });

  it("names the invalid variable", () => {
    expect(() => parseConfig({ VM_API_RATE_LIMIT: "many" })).toThrow(
      /VM_API_RATE_LIMIT/,
    );
  });

  it("does not echo a secret value", () => {
    expect(() =>
      parseConfig({ DATABASE_URL: "not a url with hunter2" }),
    ).toThrow(
      expect.objectContaining({
        message: expect.not.stringContaining("hunter2"),
      }),
    );
  });
});
