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
  let rows = perBody.length === 1 ? perBody[0]! : perBody.flat();
  if (route === "metrics/cli-sessions") rows = dedupeSessions(rows as any);
  const { columns, record } = clausesOf(spec);
  const project = sql.shared("project_id", projectId, "uuid");
  const items = sql.param(JSON.stringify(rows), "jsonb");
  sql.with(
    sql.name("insert"),
    `INSERT INTO ${spec.table} (project_id, ${columns})
     SELECT ${project}, ${columns}
     FROM jsonb_to_recordset(${items}) AS item(${record})
     WHERE EXISTS (SELECT 1 FROM ${allowed})
     ${spec.conflict ?? ""}`,
  );
  return perBody.map((items) => items.length);
}

/** Each table's column list and record type, built once. */
const clauses = new Map<TelemetryTable, { columns: string; record: string }>();

function clausesOf(spec: TelemetryTable) {
  let built = clauses.get(spec);
  if (built === undefined) {
    const names = Object.keys(spec.columns);
    built = {
      columns: names.join(", "),
      record: names
        .map((name) => `${name} ${spec.columns[name as never]}`)
        .join(", "),
    };
    clauses.set(spec, built);
  }
  return built;
}
