import {
  REPORTER_ROUTES,
  type ReporterRequest,
  type ReporterResponse,
  type ReporterRoute,
} from "@synthcore/core/reporter/routes";
import {
  BATCH_ROUTE,
  BatchRequest,
  BatchResult,
} from "@synthcore/core/reporter/batch";
import {
  DEFAULT_RETRY,
  parseRetryAfter,
  retryDelayMs,
  type RetryOptions,
} from "./retry";

export interface ReporterClientOptions {
  /** The API's base URL, such as http://127.0.0.1:4000. */
  baseUrl: string;
  projectId: string;
  token: string;
  retry?: Partial<RetryOptions>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** A response the reporter rejected, with its status and `error` message. */
export class ReporterError extends Error {
  override name = "ReporterError";

  constructor(
    readonly route: string,
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`${route}: ${status} ${message}`);
  }
}

const RETRIED_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * A typed client for every VM Reporter route. Bodies are checked with the
 * same zod schemas the server uses before they are sent; 429 and 5xx
 * responses and network errors are retried.
 */
export class ReporterClient {
  private readonly retry: RetryOptions;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ReporterClientOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep =
      options.sleep ??
      ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get projectId(): string {
    return this.options.projectId;
  }

  async call<R extends ReporterRoute>(
    route: R,
    body: ReporterRequest<R>,
  ): Promise<ReporterResponse<R>> {
    const schema = REPORTER_ROUTES[route];
    const data = await this.post(route, schema.request.parse(body));
    return schema.response.parse(data) as ReporterResponse<R>;
  }

  /**
   * Sends a whole cycle in one request: telemetry, command results,
   * approvals and a poll. Each item has its own result; the reply also
   * carries leased commands and the interval the server wants.
   */
  async batch(body: BatchRequest): Promise<BatchResult> {
    const data = await this.post(BATCH_ROUTE, BatchRequest.parse(body));
    return BatchResult.parse(data);
  }

  private async post(route: string, body: unknown): Promise<unknown> {
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.send(route, payload);
      if (outcome.ok) return outcome.data;
      const last = attempt + 1 >= this.retry.attempts;
      if (!outcome.retryable || last) throw outcome.error;
      await this.sleep(
        retryDelayMs(
          attempt,
          outcome.error.retryAfterSeconds,
          this.retry,
          this.options.random,
        ),
      );
    }
  }

  private async send(
    route: string,
    payload: string,
  ): Promise<
    | { ok: true; data: unknown }
    | { ok: false; retryable: boolean; error: ReporterError }
  > {
    let response: Response;
    try {
      response = await this.fetch(this.url(route), {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.options.token}`,
          "x-project-id": this.options.projectId,
          "content-type": "application/json",
        },
        body: payload,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const detail = `request to ${this.url(route)} failed (${message}); check that the API is running at ${this.options.baseUrl}`;
      return {
        ok: false,
        retryable: true,
        error: new ReporterError(route, 0, detail),
      };
    }
    const body = (await response.json().catch(() => ({}))) as {
      data?: unknown;
      error?: string;
    };
    if (response.ok) return { ok: true, data: body.data };
    const error = new ReporterError(
      route,
      response.status,
      body.error ?? response.statusText,
      parseRetryAfter(response.headers.get("retry-after")),
    );
    return {
      ok: false,
      retryable: RETRIED_STATUSES.has(response.status),
      error,
    };
  }

  private url(route: string): string {
    const base = this.options.baseUrl.replace(/\/+$/, "");
    return `${base}/functions/v1/vm-reporter/${route}`;
  }
}
