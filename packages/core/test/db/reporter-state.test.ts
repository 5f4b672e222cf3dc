import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, migrate } from "../../src/db/migrate";
import {
  databaseEngines,
  openTestDatabase,
  type TestDatabase,
} from "../../src/testing/database";

const PROJECT = `INSERT INTO projects (organization_id, name, status, region, vm_size)
  SELECT id, $1, 'active', 'westeurope', 'Standard_D2s_v3' FROM organizations
  WHERE name = 'State' RETURNING id`;

const stateOf = async (database: TestDatabase, projectId: string) =>
  (
    await database.db.query(
      "SELECT tat, health_status, last_report_at FROM reporter_state WHERE project_id = $1",
      [projectId],
    )
  ).rows;

describe.each(databaseEngines())("reporter_state on %s", (engine) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await database.db.query(
      "INSERT INTO organizations (name) VALUES ('State')",
    );
  });
  afterAll(() => database.close());

  it("exists from a project's creation", async () => {
    const { rows } = await database.db.query<{ id: string }>(PROJECT, ["new"]);

    expect(await stateOf(database, rows[0]!.id)).toEqual([
      { tat: 0, health_status: "unknown", last_report_at: null },
    ]);
  });

  it("exists for each project of one insert", async () => {
    const { rows } = await database.db.query<{ id: string }>(
      `INSERT INTO projects (organization_id, name, status, region, vm_size)
       SELECT o.id, 'many-' || n, 'active', 'westeurope', 'Standard_D2s_v3'
       FROM organizations o, generate_series(1, 3) n
       WHERE o.name = 'State' RETURNING id`,
    );

    expect(rows).toHaveLength(3);
    for (const { id } of rows) {
      expect(await stateOf(database, id)).toHaveLength(1);
    }
  });

  it("goes with a deleted project and its telemetry", async () => {
    const { rows } = await database.db.query<{ id: string }>(PROJECT, ["gone"]);
    const other = await database.db.query<{ id: string }>(PROJECT, ["kept"]);
    const [gone, stays] = [rows[0]!.id, other.rows[0]!.id];
    for (const id of [gone, stays]) {
      await database.db.query(
        `INSERT INTO health_snapshots (project_id, health_status, cpu_percent,
           memory_percent, disk_percent, reported_at)
         VALUES ($1, 'healthy', 1, 2, 3, now())`,
        [id],
      );
      await database.db.query(
        `INSERT INTO vm_reporter_request_log (project_id, route, status, latency_ms)
         VALUES ($1, 'health', 200, 1)`,
        [id],
      );
    }

    await database.db.query("DELETE FROM projects WHERE id = $1", [gone]);

    const count = async (table: string, id: string) =>
      (
        await database.db.query<{ n: number }>(
          `SELECT count(*)::int8 AS n FROM ${table} WHERE project_id = $1`,
          [id],
        )
      ).rows[0]!.n;
    for (const table of [
      "health_snapshots",
      "vm_reporter_request_log",
      "reporter_state",
    ]) {
      expect(await count(table, gone)).toBe(0);
      expect(await count(table, stays)).toBe(1);
    }
  });
});

describe.each(databaseEngines())("migration 0005 on %s", (engine) => {
  let database: TestDatabase;
  let earlier: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    // Start again from an empty schema, migrated up to 0004 only.
    await database.db.query("DROP SCHEMA public CASCADE");
    await database.db.query("CREATE SCHEMA public");
    earlier = await mkdtemp(join(tmpdir(), "synthcore-migrations-"));
    for (const file of await readdir(MIGRATIONS_DIR)) {
      if (file < "0005") {
        await copyFile(join(MIGRATIONS_DIR, file), join(earlier, file));
      }
    }
    await migrate(database.db, earlier);
  });
  afterAll(async () => {
    await database.close();
    await rm(earlier, { recursive: true, force: true });
  });

  it("gives projects created before it their reporter row", async () => {
    await database.db.query(
      "INSERT INTO organizations (name) VALUES ('State')",
    );
    const { rows } = await database.db.query<{ id: string }>(PROJECT, ["old"]);
    expect(await stateOf(database, rows[0]!.id)).toEqual([]);

    const result = await migrate(database.db);

    expect(result.applied).toEqual(["0005_reporter_hot_path"]);
    expect(await stateOf(database, rows[0]!.id)).toEqual([
      { tat: 0, health_status: "unknown", last_report_at: null },
    ]);
  });
});
