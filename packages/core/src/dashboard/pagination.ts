import * as z from "zod";
import type { Queryable } from "../db/pool";
import { badRequest } from "../errors";

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 50;

/** `limit` and `cursor`, the paging fields every list action takes. */
export const pageFields = (max = MAX_PAGE_LIMIT) => ({
  limit: z.number().int().min(1).max(max).default(DEFAULT_PAGE_LIMIT),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, "expected a next_cursor from a page")
    .optional(),
});

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next, older page; null on the last page. */
  next_cursor: string | null;
}

/**
 * The order of a table, newest first: by its bigint identity `id`, or by
 * `created_at` with the uuid `id` breaking ties.
 */
export type PageOrder = "id" | "created_at";

export interface PageQuery {
  /** Columns of the row alias `t`. */
  select: string;
  /** The table, aliased `t`. */
  from: string;
  /** Conditions on `t` using `$1`... for `params`. */
  where: string;
  params: unknown[];
  order: PageOrder;
  limit: number;
  cursor?: string;
}

const TIMESTAMP_TEXT =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
const UUID_TEXT =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Runs a keyset-paginated query, newest first. The cursor carries the last
 * row's key as Postgres prints it, so microsecond timestamps survive the
 * round trip and no row is skipped or repeated.
 */
export async function pageOf<T>(
  db: Queryable,
  query: PageQuery,
): Promise<Page<T>> {
  const params = [...query.params];
  const after = query.cursor
    ? cursorCondition(
        query.order,
        decodeCursor(query.order, query.cursor),
        params,
      )
    : "TRUE";
  const key =
    query.order === "id"
      ? "t.id::text"
      : "t.created_at::text || '|' || t.id::text";
  const order =
    query.order === "id" ? "t.id DESC" : "t.created_at DESC, t.id DESC";
  params.push(query.limit + 1);

  const { rows } = await db.query<T & { page_key: string }>(
    `SELECT ${query.select}, ${key} AS page_key FROM ${query.from}
     WHERE (${query.where}) AND ${after}
     ORDER BY ${order} LIMIT $${params.length}`,
    params,
  );
  const more = rows.length > query.limit;
  const kept = rows.slice(0, query.limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map(({ page_key: _key, ...item }) => item as T),
    next_cursor: more && last ? encodeCursor(last.page_key) : null,
  };
}

function cursorCondition(
  order: PageOrder,
  key: string[],
  params: unknown[],
): string {
  params.push(...key);
  const n = params.length;
  return order === "id"
    ? `t.id < $${n}::int8`
    : `(t.created_at, t.id) < ($${n - 1}::timestamptz, $${n}::uuid)`;
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

/** Decodes a cursor, rejecting one this server did not hand out with a 400. */
export function decodeCursor(order: PageOrder, cursor: string): string[] {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (order === "id" && /^[1-9]\d{0,17}$/.test(key)) return [key];
  if (order === "created_at") {
    const split = key.lastIndexOf("|");
    const at = key.slice(0, split);
    const id = key.slice(split + 1);
    if (split > 0 && TIMESTAMP_TEXT.test(at) && UUID_TEXT.test(id))
      return [at, id];
  }
  throw badRequest("cursor: not a cursor from this list; pass next_cursor");
}
