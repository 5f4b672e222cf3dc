/**
 * Non-secret settings an operator may set for a stage in the shell or in
 * `.env.<stage>` (which SST loads) when deploying. Names not set here keep
 * the defaults of packages/core/src/config.ts. Secrets never pass through
 * here: they are Config.Secret values read at run time.
 */
export function operatorSettings(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") settings[name] = value;
  }
  return settings;
}

/**
 * A Lambda instance runs one request at a time. The second connection
 * serves a query issued while a transaction uses the first.
 */
export const LAMBDA_POOL_MAX = "2";
