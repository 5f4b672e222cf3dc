import { describe, expect, it } from "vitest";
import { DEFAULT_CORS_ORIGINS, parseConfig } from "../src/config";

describe("parseConfig", () => {
  it("applies defaults", () => {
    const config = parseConfig({});

    expect(config.VM_API_RATE_LIMIT).toBe(20);
    expect(config.CORS_ALLOWED_ORIGINS).toEqual(DEFAULT_CORS_ORIGINS);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REPORTER_ASYNC_COMMIT).toBe(true);
    expect(config.DATABASE_PREPARED_STATEMENTS).toBe(false);
  });

  it("reads REPORTER_ASYNC_COMMIT as a flag", () => {
    expect(parseConfig({ REPORTER_ASYNC_COMMIT: "false" })).toMatchObject({
      REPORTER_ASYNC_COMMIT: false,
    });
    expect(() => parseConfig({ REPORTER_ASYNC_COMMIT: "maybe" })).toThrow(
      /REPORTER_ASYNC_COMMIT/,
    );
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
