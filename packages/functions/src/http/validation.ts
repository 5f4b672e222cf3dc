import type { z } from "zod";

/**
 * Names the first invalid field and what was wrong with it, such as
 * `project_id: invalid UUID` or `unknown field "colour"`.
 */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request body";
  const path = issue.path.join(".");

  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => `"${key}"`).join(", ");
    const where = path === "" ? "" : ` in ${path}`;
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}${where}`;
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return `${path}: required`;
  }
  return path === "" ? issue.message : `${path}: ${issue.message}`;
}
