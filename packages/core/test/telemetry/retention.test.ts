import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config";
import {
  databaseEngines,
  openTestDatabase,
  type TestDatabase,
} from "../../src/testing/database";
import {
  pruneTelemetry,
  retentionSettingsFromEnv,
} from "../../src/telemetry/retention";

describe("retentionSettingsFromEnv", () => {
  it("reads days per table and the batch bounds", () => {
    const settings = retentionSettingsFromEnv({
      RETENTION_AGENT_MESSAGES_DAYS: "7",
      RETENTION_BATCH_SIZE: "100",
    });

    expect(settings.days.agent_messages).toBe(7);
    expect(settings.days.health_snapshots).toBe(7);
    expect(settings.days.vm_reporter_request_log).toBe(7);
    expect(settings).toMatchObject({ batchSize: 100, maxBatches: 20 });
  });

  it("names an invalid variable", () => {
    expect(() =>
      retentionSettingsFromEnv({ RETENTION_AUDIT_EVENTS_DAYS: "soon" }),
    ).toThrow(ConfigError);
    expect(() =>
      retentionSettingsFromEnv({ RETENTION_AUDIT_EVENTS_DAYS: "0" }),
    ).toThrow(/RETENTION_AUDIT_EVENTS_DAYS/);
  });
});

describe.each(databaseEngines())("pruneTelemetry on %s", (engine) => {
  let database: TestDatabase;
  let projectId: string;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    const { rows } = await database.db.query<{ id: string }>(
      `WITH org AS (INSERT INTO organizations (name) VALUES ('Acme') RETURNING id)
       INSERT INTO projects (organization_id, name, status, region, vm_size)
       SELECT id, 'p', 'active', 'westeurope', 'Standard_D2s_v3' FROM org
       RETURNING id`,
    );
    projectId = rows[0]!.id;
  });
  afterAll(() => database.close());

  /** Adds `count` snapshots received `ageDays` ago. */
  const snapshots = (count: number, ageDays: number) =>
    database.db.query(
      `INSERT INTO health_snapshots (project_id, health_status, cpu_percent,
         memory_percent, disk_percent, reported_at, received_at)
       SELECT $1, 'healthy', 1, 1, 1, now(), now() - make_interval(days => $2)
       FROM generate_series(1, $3)`,
      [projectId, ageDays, count],
    );
  const remaining = async () =>
    (
      await database.db.query<{ age: number; count: number }>(
        `SELECT extract(day FROM now() - received_at)::int AS age,
           count(*)::int8 AS count
         FROM health_snapshots GROUP BY 1 ORDER BY 1`,
      )
    ).rows;

  it("deletes rows past the retention in bounded batches", async () => {
    await snapshots(25, 30);
    await snapshots(3, 1);
    const settings = retentionSettingsFromEnv({
      RETENTION_HEALTH_SNAPSHOTS_DAYS: "7",
      RETENTION_BATCH_SIZE: "10",
      RETENTION_MAX_BATCHES: "2",
    });

    const first = await pruneTelemetry(database.db, settings);
    expect(first.health_snapshots).toBe(20);
    expect(await remaining()).toEqual([
      { age: 1, count: 3 },
      { age: 30, count: 5 },
    ]);

    const second = await pruneTelemetry(database.db, settings);
    expect(second.health_snapshots).toBe(5);
    expect(await remaining()).toEqual([{ age: 1, count: 3 }]);
  });

  it("deletes commands older than their retention", async () => {
    const insert = (ageDays: number) =>
      database.db.query(
        `INSERT INTO commands (id, project_id, type, status, created_at,
           deliver_by, visible_at)
         SELECT gen_random_uuid(), $1, 'stop_agents', 'succeeded',
           now() - make_interval(days => $2), now(), now()`,
        [projectId, ageDays],
      );
    await insert(45);
    await insert(2);
    const settings = retentionSettingsFromEnv({
      RETENTION_COMMANDS_DAYS: "30",
    });

    const deleted = await pruneTelemetry(database.db, settings);

    expect(deleted.commands).toBe(1);
    const { rows } = await database.db.query(
      "SELECT extract(day FROM now() - created_at)::int AS age FROM commands",
    );
    expect(rows).toEqual([{ age: 2 }]);
  });

  it("keeps everything inside the retention", async () => {
    const settings = retentionSettingsFromEnv({});
    const deleted = await pruneTelemetry(database.db, settings, Date.now());

    expect(Object.values(deleted).every((count) => count === 0)).toBe(true);
    expect(await remaining()).toEqual([{ age: 1, count: 3 }]);
  });
});
