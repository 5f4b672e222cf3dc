import * as z from "zod";

export const DEFAULT_CORS_ORIGINS = [
  "http://localhost:3000",
  "http://localhost:3001",
  "https://app.synthcore.dev",
  "https://uat.synthcore.dev",
];

const commaList = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== ""),
);

const positiveInt = z.coerce.number().int().positive();
/** "true", "1", "yes", "on" or their opposites, as zod's stringbool reads them. */
const booleanFlag = z.stringbool();

const ConfigSchema = z.object({
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_MAX: positiveInt.default(5),
  /**
   * Prepares the reporter's statements per connection. Only for a direct
   * connection or a session-mode pooler: Supabase's transaction pooler and
   * other transaction-mode poolers cannot keep prepared statements.
   */
  DATABASE_PREPARED_STATEMENTS: booleanFlag.default(false),
  /**
   * Commits the VM Reporter's health, statistics, CLI-session state and
   * polls without waiting for the WAL to reach disk. A database crash can
   * then lose the last moments of those, never messages, audit events,
   * approvals or command statuses.
   */
  REPORTER_ASYNC_COMMIT: booleanFlag.default(true),
  SUPABASE_URL: z.url().optional(),
  SUPABASE_JWKS_URL: z.url().optional(),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default("us-east-1"),
  RATE_LIMIT_TABLE: z.string().min(1).default("synthcore-rate-limits"),
  VM_API_RATE_LIMIT: positiveInt.default(20),
  /** Reporter requests per project per minute, counted in Postgres. */
  VM_REPORTER_RATE_LIMIT: positiveInt.default(100),
  /** Dashboard reads per user per minute; the dashboard polls, so it is higher. */
  DASHBOARD_RATE_LIMIT: positiveInt.default(120),
  /** How often a VM's agent reports health; three silent intervals read as unreachable. */
  REPORTER_INTERVAL_SECONDS: positiveInt.default(60),
  /** How long a polled command stays leased before it is delivered again. */
  COMMAND_VISIBILITY_TIMEOUT_SECONDS: positiveInt.default(60),
  /** How long a command may wait for delivery before it becomes expired. */
  COMMAND_DELIVERY_DEADLINE_SECONDS: positiveInt.default(3600),
  CORS_ALLOWED_ORIGINS: commaList.default(DEFAULT_CORS_ORIGINS),
  LIFECYCLE_QUEUE_URL: z.url().optional(),
  /** The API base URL a VM's agent calls, written into its custom data. */
  PUBLIC_API_URL: z.url().optional(),
  COMPUTE_PROVIDER: z.enum(["azure", "simulated"]).default("azure"),
  SYNTHCORE_SIM_DELAY_MS: z.coerce.number().int().min(0).default(3000),
  LIFECYCLE_PROVISIONING_DEADLINE_MINUTES: positiveInt.default(15),
  LIFECYCLE_STARTING_DEADLINE_MINUTES: positiveInt.default(10),
  LIFECYCLE_STOPPING_DEADLINE_MINUTES: positiveInt.default(10),
  LIFECYCLE_DELETING_DEADLINE_MINUTES: positiveInt.default(15),
  LIFECYCLE_REDRIVE_AFTER_SECONDS: positiveInt.default(120),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses configuration from environment variables. Unknown keys are ignored
 * because the environment contains far more than this service reads. A
 * present but invalid value fails with the variable's name, and an empty one
 * counts as unset.
 */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnvironment(ConfigSchema, env, "configuration");
}

/** Parses `env` with `schema`, the way parseConfig does, for other settings. */
export function parseEnvironment<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  what: string,
): z.infer<T> {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([, value]) => value !== undefined && value !== "",
    ),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new ConfigError(`invalid ${what}: ${problems.join("; ")}`);
  }
  return result.data;
}

let cached: Config | undefined;

/** Returns the process configuration, parsed once on first use. */
export function getConfig(): Config {
  cached ??= parseConfig();
  return cached;
}
