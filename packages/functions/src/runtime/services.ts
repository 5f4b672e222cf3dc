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
import type { CommandSettings } from "@synthcore/core/commands/commands";
import type { DashboardServices } from "../dashboard-handler";
import type { VmApiServices } from "../vm-api-handler";
import type { VmReporterServices } from "../vm-reporter-handler";

export function requireSetting<K extends keyof Config>(
  config: Config,
  name: K,
): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined) throw new ConfigError(`${String(name)} is required`);
  return value as NonNullable<Config[K]>;
}

/** Opens one pool per Lambda container, reused by every invocation it serves. */
export function databaseFromConfig(config: Config): Database {
  return createDatabase({
    url: requireSetting(config, "DATABASE_URL"),
    max: config.DATABASE_POOL_MAX,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
  });
}

export function commandSettingsFromConfig(config: Config): CommandSettings {
  return {
    visibilityTimeoutMs: config.COMMAND_VISIBILITY_TIMEOUT_SECONDS * 1000,
    deliveryDeadlineMs: config.COMMAND_DELIVERY_DEADLINE_SECONDS * 1000,
  };
}

/** Three report intervals without a health report read as unreachable. */
export function silentAfterMsFromConfig(config: Config): number {
  return 3 * config.REPORTER_INTERVAL_SECONDS * 1000;
}

function userVerifierFromConfig(config: Config) {
  const supabaseUrl = requireSetting(config, "SUPABASE_URL");
  return createSupabaseVerifier({
    issuer: supabaseIssuer(supabaseUrl),
    jwksUri: config.SUPABASE_JWKS_URL ?? supabaseJwksUrl(supabaseUrl),
  });
}

export function vmApiServicesFromConfig(config: Config): VmApiServices {
  const dynamo = createDynamoClient({
    region: config.AWS_REGION,
    endpoint: config.DYNAMODB_ENDPOINT,
  });
  return {
    db: databaseFromConfig(config),
    commandSettings: commandSettingsFromConfig(config),
    silentAfterMs: silentAfterMsFromConfig(config),
    jobs: new SqsJobQueue(requireSetting(config, "LIFECYCLE_QUEUE_URL")),
    lifecycle: lifecycleSettingsFromConfig(config),
    verifier: userVerifierFromConfig(config),
    rateLimiter: createTokenBucket({
      client: dynamo,
      table: config.RATE_LIMIT_TABLE,
      capacity: config.VM_API_RATE_LIMIT,
    }),
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  };
}

export function dashboardServicesFromConfig(config: Config): DashboardServices {
  const dynamo = createDynamoClient({
    region: config.AWS_REGION,
    endpoint: config.DYNAMODB_ENDPOINT,
  });
  return {
    db: databaseFromConfig(config),
    silentAfterMs: silentAfterMsFromConfig(config),
    verifier: userVerifierFromConfig(config),
    rateLimiter: createTokenBucket({
      client: dynamo,
      table: config.RATE_LIMIT_TABLE,
      capacity: config.DASHBOARD_RATE_LIMIT,
    }),
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  };
}

export function vmReporterServicesFromConfig(
  config: Config,
): VmReporterServices {
  return {
    db: databaseFromConfig(config),
    commandSettings: commandSettingsFromConfig(config),
    reporterRateLimit: { capacity: config.VM_REPORTER_RATE_LIMIT },
    asyncCommit: config.REPORTER_ASYNC_COMMIT,
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
    reportIntervalSeconds: config.REPORTER_INTERVAL_SECONDS,
  };
}
