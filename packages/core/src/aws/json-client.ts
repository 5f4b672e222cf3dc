import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { crc32 } from "node:zlib";
import { assertLoopback } from "../net/loopback";
import { signRequest, type AwsCredentials } from "./sigv4";

/**
 * A service that speaks the AWS JSON protocol: every operation is a POST to
 * `/` with an `X-Amz-Target` header naming it. DynamoDB, SQS and SSM do.
 */
export interface AwsJsonService {
  /** The signing name and endpoint prefix, e.g. "dynamodb". */
  name: string;
  /** The target prefix, e.g. "DynamoDB_20120810". */
  targetPrefix: string;
  jsonVersion: "1.0" | "1.1";
}

export const DYNAMODB: AwsJsonService = {
  name: "dynamodb",
  targetPrefix: "DynamoDB_20120810",
  jsonVersion: "1.0",
};
export const SQS: AwsJsonService = {
  name: "sqs",
  targetPrefix: "AmazonSQS",
  jsonVersion: "1.0",
};
export const SSM: AwsJsonService = {
  name: "ssm",
  targetPrefix: "AmazonSSM",
  jsonVersion: "1.1",
};

export interface AwsJsonClientOptions {
  region?: string;
  /**
   * The service's URL. When omitted: `AWS_ENDPOINT_URL_<SERVICE>`, then
   * `AWS_ENDPOINT_URL`, then the service's regional AWS endpoint.
   */
  endpoint?: string;
  /** Fixed credentials; the Lambda environment's when omitted. */
  credentials?: AwsCredentials;
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  /** Milliseconds one attempt may take, connecting included. */
  timeoutMs?: number;
  /** The base of the exponential backoff between attempts. */
  backoffMs?: number;
}

/** An error the service returned, or a failure to reach it. */
export class AwsError extends Error {
  constructor(
    /** The service's error code, e.g. "ConditionalCheckFailedException". */
    readonly code: string,
    message: string,
    /** The HTTP status; undefined when no response arrived. */
    readonly statusCode: number | undefined,
    readonly retryable: boolean,
    /** The parsed error body, e.g. DynamoDB's `Item` on a failed condition. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export function isAwsError(error: unknown, code: string): error is AwsError {
  return error instanceof AwsError && error.code === code;
}

/**
 * Error codes to retry with backoff: the throttling and transient codes of
 * @smithy/service-error-classification, which the AWS SDK for JavaScript uses.
 */
const RETRYABLE_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
]);

const MAX_BACKOFF_MS = 5_000;

interface RawResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A client for AWS JSON-protocol services. It signs each call with
 * Signature Version 4, keeps connections alive and checks DynamoDB's CRC32
 * of each reply. Throttling, server errors and dropped connections are
 * retried with exponential backoff and full jitter.
 *
 * Under NODE_ENV=test it rejects any endpoint off 127.0.0.1 before sending.
 *
 * NOTE: unlike the AWS SDK, it does not correct clock skew, and it has been
 * tested against dynalite and local servers only, never against AWS.
 */
export class AwsJsonClient {
  readonly endpoint: URL;
  private readonly region: string;
  private readonly agent: HttpAgent;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;

  constructor(
    private readonly service: AwsJsonService,
    private readonly options: AwsJsonClientOptions = {},
  ) {
    const env = process.env;
    this.region = options.region || env.AWS_REGION || "us-east-1";
    const configured =
      options.endpoint ||
      env[`AWS_ENDPOINT_URL_${service.name.toUpperCase()}`] ||
      env.AWS_ENDPOINT_URL;
    this.endpoint = new URL(
      configured || `https://${service.name}.${this.region}.amazonaws.com`,
    );
    if (
      this.endpoint.protocol !== "https:" &&
      this.endpoint.protocol !== "http:"
    ) {
      throw new Error(
        `${service.name} endpoint ${this.endpoint.origin} is not an http(s) URL`,
      );
    }
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    this.agent =
      this.endpoint.protocol === "https:"
        ? new HttpsAgent(agentOptions)
        : new HttpAgent(agentOptions);
    this.maxAttempts = options.maxAttempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.backoffMs = options.backoffMs ?? 50;
  }

  /** Calls `operation` with `input` and returns the parsed reply. */
  async call<T = Record<string, unknown>>(
    operation: string,
    input: object,
  ): Promise<T> {
    if (process.env.NODE_ENV === "test") assertLoopback(this.endpoint);
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.attempt(operation, body)) as T;
      } catch (error) {
        const failure = asAwsError(error);
        if (!failure?.retryable || attempt >= this.maxAttempts) {
          throw failure ?? error;
        }
        const ceiling = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2 ** attempt);
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * ceiling),
        );
      }
    }
  }

  /** Closes idle kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private async attempt(operation: string, body: string): Promise<unknown> {
    const contentType = `application/x-amz-json-${this.service.jsonVersion}`;
    const headers = signRequest(
      {
        method: "POST",
        path: "/",
        headers: {
          "content-type": contentType,
          host: this.endpoint.host,
          "x-amz-target": `${this.service.targetPrefix}.${operation}`,
        },
        body,
      },
      {
        service: this.service.name,
        region: this.region,
        credentials: this.credentials(),
        date: new Date(),
      },
    );
    headers["content-length"] = String(Buffer.byteLength(body));
    const response = await this.send(headers, body);
    const expected = response.headers["x-amz-crc32"];
    if (
      typeof expected === "string" &&
      crc32(response.body) !== Number(expected)
    ) {
      throw new AwsError(
        "CRC32CheckFailed",
        `${operation} reply failed its CRC32 check`,
        response.statusCode,
        true,
      );
    }
    const parsed = parseJson(response.body);
    if (response.statusCode >= 200 && response.statusCode < 300) return parsed;
    throw serviceError(operation, response, parsed);
  }

  private credentials(): AwsCredentials {
    if (this.options.credentials) return this.options.credentials;
    const env = process.env;
    if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
      throw new AwsError(
        "CredentialsMissing",
        `no AWS credentials for ${this.service.name}: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set`,
        undefined,
        false,
      );
    }
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN,
    };
  }

  private send(
    headers: Record<string, string>,
    body: string,
  ): Promise<RawResponse> {
    const request =
      this.endpoint.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          protocol: this.endpoint.protocol,
          hostname: this.endpoint.hostname.replace(/^\[|\]$/g, ""),
          port: this.endpoint.port || undefined,
          method: "POST",
          path: "/",
          headers,
          agent: this.agent,
          timeout: this.timeoutMs,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("error", reject);
          incoming.on("end", () =>
            resolve({
              statusCode: incoming.statusCode ?? 0,
              headers: incoming.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      outgoing.on("timeout", () =>
        outgoing.destroy(
          new AwsError(
            "TimeoutError",
            `${this.service.name} request timed out after ${this.timeoutMs} ms`,
            undefined,
            true,
          ),
        ),
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }
}

function parseJson(body: string): Record<string, unknown> {
  if (body === "") return {};
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function serviceError(
  operation: string,
  response: RawResponse,
  parsed: Record<string, unknown>,
): AwsError {
  const header = response.headers["x-amzn-errortype"];
  const type =
    (typeof parsed.__type === "string" && parsed.__type) ||
    (typeof header === "string" && header) ||
    `Http${response.statusCode}`;
  // "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" and
  // "ValidationException:http://internal.amazon.com/..." both name the code.
  const code = type.split("#").at(-1)!.split(":")[0]!;
  const text = parsed.message ?? parsed.Message;
  const message = `${operation}: ${code}${typeof text === "string" ? `: ${text}` : ""}`;
  const retryable =
    RETRYABLE_CODES.has(code) ||
    response.statusCode === 429 ||
    response.statusCode >= 500;
  return new AwsError(code, message, response.statusCode, retryable, parsed);
}

/**
 * Converts a network failure (reset, refused, timed out) into a retryable
 * AwsError. Returns undefined for any other error, which is rethrown as is.
 */
function asAwsError(error: unknown): AwsError | undefined {
  if (error instanceof AwsError) return error;
  const cause = error as NodeJS.ErrnoException;
  if (typeof cause?.code !== "string") return undefined;
  return new AwsError(cause.code, cause.message, undefined, true);
}
