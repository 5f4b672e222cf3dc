import type { Statement } from "../db/statement";
import {
  dedupeSessions,
  TELEMETRY_TABLES,
  type TelemetryRoute,
  type TelemetryTable,
} from "./telemetry";

/**
 * Adds the insert of every item of one telemetry route to `sql`, guarded by
 * the `allowed` CTE, so nothing is written unless it contains a row. Returns how
 * many rows each body contributed.
 */
export function insertTelemetry(
  sql: Statement,
  allowed: string,
  projectId: string,
  route: TelemetryRoute,
  bodies: object[],
): number[] {
  const spec: TelemetryTable = TELEMETRY_TABLES[route];
  const perBody = bodies.map((body) => spec.rows(body));
  let rows = perBody.flat();
  if (route === "metrics/cli-sessions") rows = dedupeSessions(rows as any);
  const names = Object.keys(spec.columns);
  const typed = names.map((name) => `${name} ${spec.columns[name as never]}`);
  const project = sql.param(projectId, "uuid");
  const items = sql.param(JSON.stringify(rows), "jsonb");
  sql.with(
    sql.name("insert"),
    `INSERT INTO ${spec.table} (project_id, ${names.join(", ")})
     SELECT ${project}, ${names.join(", ")}
     FROM jsonb_to_recordset(${items}) AS item(${typed.join(", ")})
     WHERE EXISTS (SELECT 1 FROM ${allowed})
     ${spec.conflict ?? ""}`,
  );
  return perBody.map((items) => items.length);
}
