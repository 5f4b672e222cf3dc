import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../src/db/pool";
import {
  databaseEngines,
  openTestDatabase,
  type TestDatabase,
} from "../../src/testing/database";

const PREPARED = `SELECT count(*)::int AS count FROM pg_prepared_statements
  WHERE statement = $1`;

describe.each(databaseEngines())("queryPrepared on %s", (engine) => {
  let database: TestDatabase;
  let single: Database;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    // One connection, so that pg_prepared_statements shows its session.
    single = createDatabase({ url: database.url, max: 1 });
  });
  afterAll(async () => {
    await single.close();
    await database.close();
  });

  it("returns the same rows as query", async () => {
    const text = "SELECT $1::int + 1 AS next";

    const prepared = await single.queryPrepared(text, [41]);
    const again = await single.queryPrepared(text, [1]);

    expect(prepared.rows).toEqual([{ next: 42 }]);
    expect(again.rows).toEqual([{ next: 2 }]);
  });

  it(
    engine === "postgres"
      ? "prepares a statement once per connection"
      : "leaves the shared PGlite session without named statements",
    async () => {
      const text = "SELECT $1::text AS echo";
      await single.queryPrepared(text, ["a"]);
      await single.queryPrepared(text, ["b"]);

      const { rows } = await single.query(PREPARED, [text]);

      expect(rows).toEqual([{ count: engine === "postgres" ? 1 : 0 }]);
    },
  );

  it("runs statements unnamed when turned off", async () => {
    const off = createDatabase({
      url: database.url,
      max: 1,
      preparedStatements: false,
    });
    const text = "SELECT $1::text AS unnamed";
    await off.queryPrepared(text, ["x"]);

    const { rows } = await off.query(PREPARED, [text]);

    expect(rows).toEqual([{ count: 0 }]);
    await off.close();
  });

  it("names at most 256 statements", async () => {
    const fresh = createDatabase({ url: database.url, max: 1 });
    const texts = Array.from(
      { length: 260 },
      (_, index) => `SELECT ${index}::int AS n`,
    );
    for (const text of texts) await fresh.queryPrepared(text);

    const { rows } = await fresh.query(
      "SELECT count(*)::int AS count FROM pg_prepared_statements WHERE statement LIKE 'SELECT % AS n'",
    );

    expect(rows).toEqual([{ count: engine === "postgres" ? 256 : 0 }]);
    await fresh.close();
  });
});
