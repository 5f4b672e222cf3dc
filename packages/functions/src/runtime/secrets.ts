/** SST marks each Config secret bound to a function with this variable. */
const BOUND_SECRET_PREFIX = "SST_Secret_value_";

/** The marker's value while the secret is still in SSM only. */
const IN_SSM = "__FETCH_FROM_SSM__";

/** Names of the SST Config secrets bound to this function, if any. */
export function boundSecretNames(env: NodeJS.ProcessEnv = process.env) {
  return Object.keys(env)
    .filter((key) => key.startsWith(BOUND_SECRET_PREFIX))
    .map((key) => key.slice(BOUND_SECRET_PREFIX.length));
}

/**
 * Copies the function's bound SST Config secrets into process.env under
 * their own names (DATABASE_URL, ...), so that configuration parsing finds
 * them. Call it before the configuration is first read. Outside SST (local
 * stack, tests) no secret is bound and this does nothing.
 */
export async function loadSecrets(): Promise<void> {
  const names = boundSecretNames();
  const marker = (name: string) => process.env[BOUND_SECRET_PREFIX + name];

  // Values already in the environment (`sst bind`, `prefetchSecrets`)
  // need no SSM call.
  if (names.every((name) => marker(name) !== IN_SSM)) {
    for (const name of names) process.env[name] = marker(name);
    return;
  }

  // Imported here, not at the top: on import it fetches the bound secrets
  // from SSM, and throws naming any secret not set for the stage.
  const { Config } = await import("sst/node/config");
  const values = Config as Record<string, unknown>;
  for (const name of names) {
    const value = values[name];
    if (typeof value !== "string") {
      throw new Error(`SST secret ${name} is bound but has no value`);
    }
    process.env[name] = value;
  }
}
