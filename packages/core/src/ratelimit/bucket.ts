import { isAwsError } from "../aws/json-client";
import type { DynamoClient } from "../dynamo/client";
import {
  RATE_LIMIT_TABLE_KEY,
  RATE_LIMIT_TTL_ATTRIBUTE,
} from "../dynamo/tables";

export type RateDecision =
  { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
}

export interface TokenBucketOptions {
  client: DynamoClient;
  table: string;
  /** Tokens in a full bucket, also the refill per window. */
  capacity: number;
  windowSeconds?: number;
  now?: () => number;
}

/**
 * Creates a token bucket per key, stored as its theoretical arrival time (`tat`, the
 * generic cell rate algorithm): the bucket is full when `tat <= now`, and
 * each token taken moves `tat` forward by one refill interval. A request is
 * allowed while `tat` stays within `capacity` intervals of now.
 *
 * DynamoDB update expressions have no max(), so the idle and the busy case
 * are two conditional updates: an idle bucket takes one call, a busy one
 * two, and an empty one a third read for Retry-After. Each update is atomic,
 * so concurrent requests never take more than the bucket holds.
 */
export function createTokenBucket(options: TokenBucketOptions): RateLimiter {
  const interval = ((options.windowSeconds ?? 60) * 1000) / options.capacity;
  const now = options.now ?? Date.now;
  const { client, table } = options;

  const update = async (
    key: string,
    expression: string,
    condition: string,
    values: Record<string, number>,
  ): Promise<boolean> => {
    try {
      await client.update({
        TableName: table,
        Key: { [RATE_LIMIT_TABLE_KEY]: key },
        UpdateExpression: `${expression}, #expires = :expires`,
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          "#tat": "tat",
          "#expires": RATE_LIMIT_TTL_ATTRIBUTE,
        },
        ExpressionAttributeValues: values,
      });
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  };

  return {
    async take(key) {
      const at = now();
      const limit = at + (options.capacity - 1) * interval;
      // The item can be dropped once the bucket is full again.
      const expires = Math.ceil((at + options.capacity * interval) / 1000) + 60;

      const fromIdle = await update(
        key,
        "SET #tat = :next",
        "attribute_not_exists(#tat) OR #tat <= :now",
        { ":next": at + interval, ":now": at, ":expires": expires },
      );
      if (fromIdle) return { allowed: true };

      const fromBusy = await update(
        key,
        "SET #tat = #tat + :interval",
        "#tat <= :limit",
        { ":interval": interval, ":limit": limit, ":expires": expires },
      );
      if (fromBusy) return { allowed: true };

      const item = await client.get({
        TableName: table,
        Key: { [RATE_LIMIT_TABLE_KEY]: key },
        ConsistentRead: true,
      });
      const tat = typeof item?.tat === "number" ? item.tat : limit + interval;
      const waitMs = Math.max(tat - limit, 1);
      return { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1000) };
    },
  };
}
