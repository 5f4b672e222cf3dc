import { describe, expect, it } from "vitest";
import { Statement } from "../../src/db/statement";

describe("Statement", () => {
  it("numbers parameters in the order they are added", () => {
    const sql = new Statement();

    expect(sql.param("a", "text")).toBe("$1::text");
    expect(sql.param(2)).toBe("$2");
    expect(sql.params).toEqual(["a", 2]);
  });

  it("sends a shared parameter once", () => {
    const sql = new Statement();
    const project = "0b6f6c5e-6c43-4c1c-9a55-3f4f2f6f2c11";

    const first = sql.shared("project_id", project, "uuid");
    sql.param("between", "text");
    const second = sql.shared("project_id", project, "uuid");

    expect(first).toBe("$1::uuid");
    expect(second).toBe(first);
    expect(sql.params).toEqual([project, "between"]);
  });

  it("rejects a second value for a shared key", () => {
    const sql = new Statement();
    sql.shared("project_id", "0b6f6c5e-6c43-4c1c-9a55-3f4f2f6f2c11", "uuid");

    expect(() =>
      sql.shared("project_id", "5d1c1e0a-3b0e-4f57-8d7e-2f0a8b9c1d22", "uuid"),
    ).toThrow("statement parameter project_id already has a different value");
  });
});
