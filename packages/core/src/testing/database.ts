import { randomBytes } from "node:crypto";
import pg from "pg";
import { startEmbeddedPostgres } from "../db/embedded";
import { migrate } from "../db/migrate";
import { createDatabase, type Database } from "../db/pool";

export type DatabaseEngine = "pglite" | "postgres";

/**
 * Lists the engines a database suite runs on: PGlite always, and the PostgreSQL
 * server named by TEST_DATABASE_URL when it is set.
 */
export function databaseEngines(): DatabaseEngine[] {
  return process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDatabase {
  engine: DatabaseEngine;
  db: Database;
  url: string;
  close(): Promise<void>;
}

/**
 * Opens a migrated, empty database: a new in-memory PGlite, or a new
 * database on the TEST_DATABASE_URL server that is dropped on close.
 */
export async function openTestDatabase(
  engine: DatabaseEngine,
  options: { max?: number } = {},
): Promise<TestDatabase> {
  if (engine === "pglite") {
    const embedded = await startEmbeddedPostgres();
    const db = createDatabase({ url: embedded.url, max: options.max ?? 4 });
    await migrate(db);
    return {
      engine,
      db,
      url: embedded.url,
      async close() {
        await db.close();
        await embedded.close();
      },
    };
  }

  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error("TEST_DATABASE_URL is not set");
  const name = `synthcore_test_${randomBytes(6).toString("hex")}`;
  await runOnServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ url: url.toString(), max: options.max ?? 10 });
  await migrate(db);
  return {
    engine,
    db,
    url: url.toString(),
    async close() {
      await db.close();
      await runOnServer(
        serverUrl,
        `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
      );
    },
  };
}

async function runOnServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
