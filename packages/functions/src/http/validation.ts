import type { z } from "zod";

/**
 * Names the first invalid field and what was wrong with it, such as
 * `project_id: invalid UUID` or `unknown field "colour"`.
 */
export function describeZodError(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request body";
  const path = issue.path.join(".");

  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => `"${key}"`).join(", ");
    const where = path === "" ? "" : ` in ${path}`;
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}${where}`;
  }
  if (
    issue.code === "invalid_type" &&
    valueAt(input, issue.path) === undefined
  ) {
    return `${path}: required`;
  }
  return path === "" ? issue.message : `${path}: ${issue.message}`;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
