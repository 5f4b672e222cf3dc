import { AwsJsonClient, SSM } from "@synthcore/core/aws/json-client";

/** SST marks each Config secret bound to a function with this variable. */
const BOUND_SECRET_PREFIX = "SST_Secret_value_";

/** The marker's value while the secret is still in SSM only. */
const IN_SSM = "__FETCH_FROM_SSM__";

/** GetParameters accepts at most 10 names per call. */
const SSM_BATCH_SIZE = 10;

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
 *
 * Secrets still in SSM are read from the stage's path, then from the app's
 * `.fallback` path, the same paths SST v2's `sst/node/config` reads.
 */
export async function loadSecrets(): Promise<void> {
  const names = boundSecretNames();
  const pending: string[] = [];
  for (const name of names) {
    const marker = process.env[BOUND_SECRET_PREFIX + name]!;
    if (marker === IN_SSM) pending.push(name);
    else process.env[name] = marker;
  }
  if (pending.length === 0) return;

  const client = new AwsJsonClient(SSM, {
    region: process.env.AWS_REGION ?? process.env.SST_REGION,
  });
  const app = process.env.SST_APP;
  const stagePrefix = process.env.SST_SSM_PREFIX ?? "";
  const stagePath = (name: string) => `${stagePrefix}Secret/${name}/value`;
  const fallbackPath = (name: string) =>
    `/sst/${app}/.fallback/Secret/${name}/value`;

  let found: Map<string, string>;
  let fallbacks: Map<string, string>;
  try {
    found = await readParameters(client, pending.map(stagePath));
    const missing = pending.filter((name) => !found.has(stagePath(name)));
    fallbacks = await readParameters(client, missing.map(fallbackPath));
  } finally {
    client.close();
  }

  for (const name of pending) {
    const value =
      found.get(stagePath(name)) ?? fallbacks.get(fallbackPath(name));
    if (value === undefined) {
      throw new Error(
        `SST secret ${name} has no value; set it with "npx sst secrets set ${name}"`,
      );
    }
    process.env[name] = value;
  }
}

async function readParameters(
  client: AwsJsonClient,
  paths: string[],
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (let start = 0; start < paths.length; start += SSM_BATCH_SIZE) {
    const { Parameters } = await client.call<{
      Parameters?: { Name?: string; Value?: string }[];
    }>("GetParameters", {
      Names: paths.slice(start, start + SSM_BATCH_SIZE),
      WithDecryption: true,
    });
    for (const parameter of Parameters ?? []) {
      if (parameter.Name && parameter.Value !== undefined)
        values.set(parameter.Name, parameter.Value);
    }
  }
  return values;
}
