import * as z from "zod";
import { parseEnvironment } from "@synthcore/core/config";

const LocalSettingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  SYNTHCORE_DATA_DIR: z.string().min(1).default(".synthcore"),
  SYNTHCORE_SIM_DELAY_MS: z.coerce.number().int().min(0).default(3000),
  SYNTHCORE_RECONCILE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(1000),
  /** Build packages/web when its dist is missing or stale, before starting. */
  SYNTHCORE_DASHBOARD_BUILD: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
});

export type LocalSettings = z.infer<typeof LocalSettingsSchema>;

/** Reads the local stack's settings, which the CLI reads too. */
export function parseLocalSettings(
  env: NodeJS.ProcessEnv = process.env,
): LocalSettings {
  return parseEnvironment(LocalSettingsSchema, env, "local settings");
}
