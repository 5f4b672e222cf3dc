import { badRequest } from "@synthcore/core/errors";
import type { GatewayMiddleware } from "./types";

/**
 * Gives a missing or unknown `action` its own clear message, before the
 * schema would report it as a mismatched union.
 */
export function knownAction(actions: readonly string[]): GatewayMiddleware {
  return {
    before: async (request) => {
      const body = request.event.json;
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw badRequest("request body must be a JSON object");
      }
      const action = (body as { action?: unknown }).action;
      if (action === undefined) throw badRequest("action: required");
      if (typeof action !== "string" || !actions.includes(action)) {
        throw badRequest(
          `unknown action ${JSON.stringify(action).slice(0, 60)}; expected one of ${actions.join(", ")}`,
        );
      }
    },
  };
}
