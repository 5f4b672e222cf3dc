import { startEmbeddedPostgres } from "@synthcore/core/db/embedded";
import { migrate, type MigrationResult } from "@synthcore/core/db/migrate";
import { createDatabase, type Database } from "@synthcore/core/db/pool";
import { readRunningStack, type StackFile } from "@synthcore/local/stack-file";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

export interface Connection {
  db: Database;
  stack?: StackFile;
  /**
   * True for a local stack's data: the PGlite store, or the database of
   * an `npm start` running on the data directory, whose dev issuer signs
   * user tokens.
   */
  local: boolean;
  /** The migrations applied when the PGlite files were opened. */
  migrated?: MigrationResult;
  close(): Promise<void>;
}

/**
 * Connects to the database the operator means: DATABASE_URL when set, else
 * the PGlite of a running `npm start`, else the PGlite files in the data
 * directory, opened here. PGlite allows one process at a time, so a running
 * stack's database is used whenever there is one. A running stack on a
 * Postgres server needs DATABASE_URL here too, because its address, which
 * may hold a password, is not written to the data directory.
 */
export async function connect(dataDir: string): Promise<Connection> {
  const stack = await readRunningStack(dataDir);
  const url = process.env.DATABASE_URL;
  if (url) {
    const db = createDatabase({ url, max: 2 });
    return { db, stack, local: stack !== undefined, close: () => db.close() };
  }
  if (stack?.database === "server") {
    throw new Error(
      "the running local stack uses the Postgres server in its DATABASE_URL; set DATABASE_URL for this command too",
    );
  }
  if (stack?.database_url) {
    const db = createDatabase({ url: stack.database_url, max: 2 });
    return { db, stack, local: true, close: () => db.close() };
  }

  // PGlite creates its own folder, but not the data directory around it.
  await mkdir(dataDir, { recursive: true });
  const embedded = await startEmbeddedPostgres({
    dataDir: join(dataDir, "pgdata"),
  });
  const db = createDatabase({ url: embedded.url, max: 2 });
  const migrated = await migrate(db);
  return {
    db,
    migrated,
    local: true,
    async close() {
      await db.close();
      await embedded.close();
    },
  };
}
