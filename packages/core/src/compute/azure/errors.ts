import { setTimeout as sleep } from "node:timers/promises";
import { ComputeError } from "../provider";

/** Codes that end a transition whatever HTTP status carried them. */
const PERMANENT_CODES = new Set([
  "QuotaExceeded",
  "OperationNotAllowed",
  "AllocationFailed",
  "ZonalAllocationFailed",
  "SkuNotAvailable",
  "Conflict",
]);

/** Codes ARM uses for throttling and retryable faults. */
const TRANSIENT_CODES = new Set([
  "TooManyRequests",
  "SubscriptionRequestsThrottled",
  "ResourceGroupRequestsThrottled",
  "TenantRequestsThrottled",
  "RetryableError",
  "InternalServerError",
  "ServiceUnavailable",
  "GatewayTimeout",
]);

/** Transport failures where the request may not have reached ARM. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "REQUEST_SEND_ERROR",
]);

interface AzureLikeError {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  details?: { error?: { code?: string } };
  response?: { headers?: { get(name: string): string | undefined } };
}

/** True for an HTTP or transport error raised by the Azure SDK pipeline. */
export function isRestError(error: unknown): boolean {
  return (error as AzureLikeError | null)?.name === "RestError";
}

/**
 * Turns an Azure SDK error into a ComputeError that carries the Azure error
 * code. Anything that is not an SDK error (a bug, the loopback guard) is
 * returned unchanged so that it fails loudly.
 */
export function toComputeError(error: unknown): unknown {
  if (error instanceof ComputeError || !isRestError(error)) return error;
  const rest = error as AzureLikeError;
  const status = rest.statusCode;
  const code =
    rest.details?.error?.code ??
    rest.code ??
    (status ? `Http${status}` : "NetworkError");
  const message = rest.message ?? code;

  if (PERMANENT_CODES.has(code)) return new ComputeError(code, message, false);
  const transient =
    status === undefined
      ? NETWORK_CODES.has(rest.code ?? "") || rest.code === undefined
      : status === 408 || status === 429 || status >= 500;
  return new ComputeError(
    code,
    message,
    transient || TRANSIENT_CODES.has(code),
  );
}

export interface RetryOptions {
  /** Attempts in total, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
};

/**
 * Runs `call`, retrying transient ComputeErrors with exponential backoff and
 * full jitter. A Retry-After from ARM is honoured up to `maxDelayMs`. Past
 * the last attempt the error goes to the queue or reconciler, which retry on
 * their own schedule.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (raw) {
      const error = toComputeError(raw);
      const retryable = error instanceof ComputeError && error.transient;
      if (!retryable || attempt >= options.attempts) throw error;
      await sleep(retryDelay(raw, attempt, options));
    }
  }
}

function retryDelay(raw: unknown, attempt: number, options: RetryOptions) {
  const ceiling = Math.min(
    options.maxDelayMs,
    options.baseDelayMs * 2 ** (attempt - 1),
  );
  const jittered = Math.random() * ceiling;
  const header = (raw as AzureLikeError).response?.headers?.get("retry-after");
  const retryAfterMs = Number(header) * 1000;
  if (!Number.isFinite(retryAfterMs) || retryAfterMs <= 0) return jittered;
  return Math.min(options.maxDelayMs, Math.max(jittered, retryAfterMs));
}
