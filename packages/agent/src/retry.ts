export interface RetryOptions {
  /** Attempts in total, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Up to this fraction of a Retry-After wait is added at random. */
  retryAfterJitter: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  retryAfterJitter: 0.2,
};

/**
 * Returns how long to wait before attempt `attempt + 1`. A server's Retry-After
 * (whole seconds) is honoured with a little jitter added, so that many VMs
 * throttled together do not all return in the same second. Otherwise the
 * wait is exponential with full jitter.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterSeconds: number | undefined,
  options: RetryOptions,
  random: () => number = Math.random,
): number {
  if (retryAfterSeconds !== undefined) {
    const base = retryAfterSeconds * 1000;
    return Math.round(base + base * options.retryAfterJitter * random());
  }
  const ceiling = Math.min(
    options.maxDelayMs,
    options.baseDelayMs * 2 ** attempt,
  );
  return Math.round(ceiling * random());
}

/** Parses Retry-After as whole seconds; an HTTP date is not sent by this API. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}
