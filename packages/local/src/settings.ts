import * as z from "zod";

const LocalSettingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  SYNTHCORE_DATA_DIR: z.string().min(1).default(".synthcore"),
  SYNTHCORE_SIM_DELAY_MS: z.coerce.number().int().min(0).default(3000),
  SYNTHCORE_RECONCILE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(1000),
});

export type LocalSettings = z.infer<typeof LocalSettingsSchema>;

/** Reads the local stack's settings; the CLI reads the same ones. */
export function parseLocalSettings(
  env: NodeJS.ProcessEnv = process.env,
): LocalSettings {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([, value]) => value !== undefined && value !== "",
    ),
  );
  const result = LocalSettingsSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new Error(`invalid local settings: ${problems.join("; ")}`);
  }
  return result.data;
}
