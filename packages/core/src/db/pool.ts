import { createHash } from "node:crypto";
import pg from "pg";
import { logger } from "../log";

const INT8_OID = 20;

/** Parses int8 as a JavaScript number, failing loudly past 2^53. */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) {
    throw new RangeError(`int8 value ${value} exceeds Number.MAX_SAFE_INTEGER`);
  }
  return parsed;
}

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Anything that runs a query: the pool or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly pool: pg.Pool;
  /**
   * Runs a statement the server keeps parsed and planned per connection,
   * for the hot path's statements, which repeat. Runs it as `query` does
   * when prepared statements are off.
   */
  queryPrepared<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  /** Connections per process, kept small in Lambda. */
  max?: number;
  /**
   * The server cancels a statement that runs longer than this. NOTE: PGlite
   * ignores startup parameters, so the embedded engine has no such limit.
   */
  statementTimeoutMs?: number;
  /**
   * Whether `queryPrepared` names its statements (default true). Always off
   * for the embedded engine. Turn it off behind a transaction-mode pooler,
   * which cannot keep them.
   */
  preparedStatements?: boolean;
}

/**
 * The application name in the embedded engine's URL. Its connections share
 * one PGlite session, so one connection's prepared statement would clash
 * with another's.
 */
export const EMBEDDED_APPLICATION_NAME = "synthcore-embedded";

/** Distinct statements one pool prepares; the rest run unnamed. */
const MAX_PREPARED = 256;

function isEmbedded(url: string): boolean {
  try {
    const name = new URL(url).searchParams.get("application_name");
    return name === EMBEDDED_APPLICATION_NAME;
  } catch {
    return false;
  }
}

/**
 * Opens a connection pool. In Lambda one pool lives per container and its
 * connections are reused across invocations.
 */
export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 5,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    allowExitOnIdle: true,
    types,
  });
  pool.on("error", (error) =>
    logger.warn({ err: error }, "idle database connection failed"),
  );

  const prepare =
    (options.preparedStatements ?? true) && !isEmbedded(options.url);
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `s_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
      names.set(text, name);
    }
    return name;
  };

  return {
    pool,
    query: (text, params) => pool.query(text, params),
    queryPrepared: (text, params) => {
      const name = prepare ? nameOf(text) : undefined;
      return name
        ? pool.query({ name, text, values: params })
        : pool.query(text, params);
    },
    transaction: (work) => runTransaction(pool, work),
    close: () => pool.end(),
  };
}

async function runTransaction<T>(
  pool: pg.Pool,
  work: (client: Queryable) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
