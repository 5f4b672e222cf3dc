import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./pool";

export const MIGRATIONS_DIR = fileURLToPath(
  new URL("../../migrations/", import.meta.url),
);

// Any constant works; it only has to be the same for every migrator.
const MIGRATION_LOCK_KEY = 7_294_015_113;

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

/**
 * Applies the SQL files in `dir` in name order, each in its own transaction.
 * A transaction-scoped advisory lock makes concurrent migrators take turns,
 * so each file is applied once.
 */
export async function migrate(
  db: Database,
  dir = MIGRATIONS_DIR,
): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(".sql"));
  files.sort();

  const result: MigrationResult = { applied: [], skipped: [] };
  for (const file of files) {
    const version = file.replace(/\.sql$/, "");
    const sql = await readFile(join(dir, file), "utf8");
    const applied = await db.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [
        MIGRATION_LOCK_KEY,
      ]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version text PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const existing = await client.query(
        "SELECT 1 FROM schema_migrations WHERE version = $1",
        [version],
      );
      if (existing.rowCount) return false;
      await client.query(sql);
      await client.query(
        "INSERT INTO schema_migrations (version) VALUES ($1)",
        [version],
      );
      return true;
    });
    (applied ? result.applied : result.skipped).push(version);
  }
  return result;
}
