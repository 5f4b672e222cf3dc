import {
  createSupabaseVerifier,
  supabaseIssuer,
  supabaseJwksUrl,
} from "@synthcore/core/auth/jwt";
import { ConfigError, type Config } from "@synthcore/core/config";
import { createDatabase, type Database } from "@synthcore/core/db/pool";
import { createDynamoClient } from "@synthcore/core/dynamo/client";
import { SqsJobQueue } from "@synthcore/core/lifecycle/sqs-queue";
import { lifecycleSettingsFromConfig } from "@synthcore/core/lifecycle/settings";
import { createTokenBucket } from "@synthcore/core/ratelimit/bucket";
import type { VmApiServices } from "../vm-api-handler";

export function requireSetting<K extends keyof Config>(
  config: Config,
  name: K,
): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined) throw new ConfigError(`${String(name)} is required`);
  return value as NonNullable<Config[K]>;
}

/** One pool per Lambda container, reused by every invocation it serves. */
export function databaseFromConfig(config: Config): Database {
  return createDatabase({
    url: requireSetting(config, "DATABASE_URL"),
    max: config.DATABASE_POOL_MAX,
  });
}

export function vmApiServicesFromConfig(config: Config): VmApiServices {
  const supabaseUrl = requireSetting(config, "SUPABASE_URL");
  const dynamo = createDynamoClient({
    region: config.AWS_REGION,
    endpoint: config.DYNAMODB_ENDPOINT,
  });
  return {
    db: databaseFromConfig(config),
    jobs: new SqsJobQueue(requireSetting(config, "LIFECYCLE_QUEUE_URL")),
    lifecycle: lifecycleSettingsFromConfig(config),
    verifier: createSupabaseVerifier({
      issuer: supabaseIssuer(supabaseUrl),
      jwksUri: config.SUPABASE_JWKS_URL ?? supabaseJwksUrl(supabaseUrl),
    }),
    rateLimiter: createTokenBucket({
      client: dynamo,
      table: config.RATE_LIMIT_TABLE,
      capacity: config.VM_API_RATE_LIMIT,
    }),
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  };
}
