import * as z from "zod";
import { DeliveredCommand } from "../commands/schemas";
import {
  REPORTER_ROUTES,
  REPORTER_ROUTE_NAMES,
  type ReporterRequest,
  type ReporterRoute,
} from "./routes";

export const BATCH_ROUTE = "batch";

/** Routes a batch may carry; polling is the batch's own `max_commands`. */
export const BATCH_ITEM_ROUTES = REPORTER_ROUTE_NAMES.filter(
  (route) => route !== "commands/poll",
) as Exclude<ReporterRoute, "commands/poll">[];
export type BatchItemRoute = (typeof BATCH_ITEM_ROUTES)[number];

const MAX_BATCH_ITEMS = 50;

const itemSchemas = BATCH_ITEM_ROUTES.map((route) =>
  z.strictObject({
    route: z.literal(route),
    body: REPORTER_ROUTES[route].request,
  }),
);

export const BatchItem = z.discriminatedUnion(
  "route",
  itemSchemas as unknown as [
    (typeof itemSchemas)[number],
    ...(typeof itemSchemas)[number][],
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union"
        ? `expected one of ${BATCH_ITEM_ROUTES.join(", ")}; a batch polls for commands with its max_commands field`
        : undefined,
  },
);

/** A batch item after validation. */
export interface ParsedBatchItem {
  route: BatchItemRoute;
  body: any;
}

export type BatchItemInput = {
  [R in BatchItemRoute]: { route: R; body: ReporterRequest<R> };
}[BatchItemRoute];

export const BatchRequest = z
  .strictObject({
    items: z.array(BatchItem).max(MAX_BATCH_ITEMS).default([]),
    /** Commands to lease in the same request; 0 skips the poll. */
    max_commands: z.number().int().min(0).max(10).default(5),
  })
  .superRefine((batch, context) => {
    // One statement writes the whole batch, and it may change a row once.
    const seen = new Set<string>();
    batch.items.forEach((item, index) => {
      const key = onceKey(item as ParsedBatchItem);
      if (!key) return;
      if (seen.has(key.id)) {
        context.addIssue({
          code: "custom",
          path: ["items", index, "body", key.field],
          message: key.message,
        });
      }
      seen.add(key.id);
    });
  });

/** Returns the key of the row an item changes, which a batch may change only once. */
function onceKey(item: ParsedBatchItem) {
  if (item.route === "approvals" || item.route === "approvals/ack") {
    const id = item.body.approval_id as string;
    return {
      // UUIDs compare without case in Postgres, so here too.
      id: `approval:${id.toLowerCase()}`,
      field: "approval_id",
      message: `approval ${id} appears in more than one item; send it once per batch`,
    };
  }
  if (item.route === "commands/status") {
    const id = item.body.command_id as string;
    return {
      id: `command:${id.toLowerCase()}`,
      field: "command_id",
      message: `command ${id} has more than one status in this batch; send only its latest`,
    };
  }
  return undefined;
}
export type BatchRequest = z.input<typeof BatchRequest>;

export const BatchItemResult = z.object({
  route: z.string(),
  status: z.number().int(),
  data: z.unknown().optional(),
  error: z.string().optional(),
});
export type BatchItemResult = z.infer<typeof BatchItemResult>;

export const BatchResult = z.object({
  /** One per item, in the order of the request. */
  results: z.array(BatchItemResult),
  commands: z.array(DeliveredCommand),
  /** How many seconds the server wants between two reports. */
  report_interval_seconds: z.number().int(),
});
export type BatchResult = z.infer<typeof BatchResult>;
