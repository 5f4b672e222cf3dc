import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from "../../src/db/embedded";
import { createDatabase, type Database } from "../../src/db/pool";
import {
  databaseEngines,
  openTestDatabase,
  type TestDatabase,
} from "../../src/testing/database";

describe("embedded Postgres over the wire protocol", () => {
  let server: EmbeddedPostgres;
  let db: Database;

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    db = createDatabase({ url: server.url, max: 4 });
    await db.query("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)");
    await db.query("INSERT INTO counter VALUES (1, 0)");
  });
  afterAll(async () => {
    await db.close();
    await server.close();
  });

  it("listens on 127.0.0.1 only", () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
  });

  it("runs interleaved transactions from several connections one at a time", async () => {
    await Promise.all(
      Array.from({ length: 8 }, () =>
        db.transaction(async (client) => {
          const { rows } = await client.query<{ n: number }>(
            "SELECT n FROM counter WHERE id = 1",
          );
          await new Promise((resolve) => setTimeout(resolve, 2));
          await client.query("UPDATE counter SET n = $1 WHERE id = 1", [
            rows[0]!.n + 1,
          ]);
        }),
      ),
    );

    const { rows } = await db.query<{ n: number }>(
      "SELECT n FROM counter WHERE id = 1",
    );
    expect(rows[0]!.n).toBe(8);
  });

  it("rolls back a transaction whose client disconnects", async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query("BEGIN");
    await client.query("UPDATE counter SET n = -1 WHERE id = 1");
    await client.end();

    const { rows } = await db.query<{ n: number }>(
      "SELECT n FROM counter WHERE id = 1",
    );
    expect(rows[0]!.n).not.toBe(-1);
  });

  it("keeps serving after a failed query", async () => {
    await expect(db.query("SELECT * FROM missing_table")).rejects.toThrow(
      /missing_table/,
    );

    const { rows } = await db.query<{ one: number }>("SELECT 1 AS one");
    expect(rows[0]!.one).toBe(1);
  });

  it("rolls back a failed transaction", async () => {
    await expect(
      db.transaction(async (client) => {
        await client.query("UPDATE counter SET n = 1000 WHERE id = 1");
        await client.query("SELECT 1 / 0");
      }),
    ).rejects.toThrow(/division by zero/);

    const { rows } = await db.query<{ n: number }>(
      "SELECT n FROM counter WHERE id = 1",
    );
    expect(rows[0]!.n).not.toBe(1000);
  });
});

describe.each(databaseEngines())("database on %s", (engine) => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await openTestDatabase(engine);
  });
  afterAll(() => test.close());

  it("parses int8 as a number", async () => {
    const { rows } = await test.db.query<{ big: number }>(
      "SELECT 9007199254740991::int8 AS big",
    );

    expect(rows[0]!.big).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("fails loudly on an int8 past 2^53", async () => {
    await expect(
      test.db.query("SELECT 9007199254740993::int8 AS big"),
    ).rejects.toThrow(/MAX_SAFE_INTEGER/);
  });

  it.runIf(engine === "postgres")("cancels a slow statement", async () => {
    const { createDatabase } = await import("../../src/db/pool");
    const impatient = createDatabase({
      url: test.url,
      statementTimeoutMs: 100,
    });

    await expect(impatient.query("SELECT pg_sleep(2)")).rejects.toThrow(
      /statement timeout/,
    );
    await impatient.close();
  });

  it("applies migrations once, even when migrators race", async () => {
    const { migrate } = await import("../../src/db/migrate");
    const results = await Promise.all([migrate(test.db), migrate(test.db)]);

    expect(results.every((result) => result.applied.length === 0)).toBe(true);
    const { rows } = await test.db.query<{ version: string }>(
      "SELECT version FROM schema_migrations",
    );
    const { readdir } = await import("node:fs/promises");
    const { MIGRATIONS_DIR } = await import("../../src/db/migrate");
    const files = (await readdir(MIGRATIONS_DIR)).filter((name) =>
      name.endsWith(".sql"),
    );
    expect(rows.map((row) => row.version).sort()).toEqual(
      files.map((name) => name.replace(/\.sql$/, "")).sort(),
    );
  });
});
