import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import type { GatewayResult } from "@synthcore/functions/http/types";

const TEXT_TYPES =
  /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+json)/i;

export interface RouteMatch {
  routeKey: string;
  pathParameters?: Record<string, string>;
  /** The request's URL, when the router has parsed it already. */
  url?: URL;
}

/**
 * Builds the API Gateway HTTP API (payload v2) event that AWS would deliver
 * for this request: lowercased headers, raw path and query, cookies split
 * out, and a body that is base64 unless it is text.
 */
export function toGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  route: RouteMatch,
): APIGatewayProxyEventV2 {
  const url = route.url ?? new URL(request.url ?? "/", "http://127.0.0.1");
  // Node lowercases the names in request.headers.
  const headers: Record<string, string> = {};
  for (const name in request.headers) {
    const value = request.headers[name];
    if (value === undefined || name === "cookie") continue;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const cookies = request.headers.cookie
    ?.split(";")
    .map((cookie) => cookie.trim());
  const contentType = headers["content-type"] ?? "application/json";
  const isText = TEXT_TYPES.test(contentType);
  const now = Date.now();

  return {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ""),
    cookies: cookies?.length ? cookies : undefined,
    headers,
    queryStringParameters: url.search
      ? Object.fromEntries(url.searchParams)
      : undefined,
    pathParameters: route.pathParameters,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: "local",
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: apiGatewayRequestId(),
      routeKey: route.routeKey,
      stage: "$default",
      time: gatewayTime(now),
      timeEpoch: now,
    },
    body:
      body.length === 0
        ? undefined
        : isText
          ? body.toString("utf8")
          : body.toString("base64"),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
const pad = (value: number) => String(value).padStart(2, "0");
let timeSecond = -1;
let timeText = "";

/**
 * Formats a time as API Gateway's `requestContext.time` does, such as
 * `04/Dec/2026:20:41:07 +0000`. The text changes once a second, so it is
 * built once a second.
 */
export function gatewayTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== timeSecond) {
    const at = new Date(second * 1000);
    timeText =
      `${pad(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}` +
      `:${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`;
    timeSecond = second;
  }
  return timeText;
}

/** The first 6 bytes of every request id, random and drawn once per process. */
const requestIdPrefix = randomBytes(6);
let requestCount = 0;

/**
 * Returns a request id shaped like API Gateway's (12 bytes in base64): a
 * random prefix for the process, then a counter, so that no id repeats
 * within a process and ids of two processes are unlikely to collide.
 */
export function apiGatewayRequestId(): string {
  const id = Buffer.allocUnsafe(12);
  requestIdPrefix.copy(id, 0);
  requestCount = (requestCount + 1) % 2 ** 48;
  id.writeUIntBE(requestCount, 6, 6);
  return id.toString("base64");
}

/** Builds a Lambda context with a 30 second budget, like the deployed functions. */
export function lambdaContext(
  functionName: string,
  timeoutMs = 30_000,
): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Writes a handler result the way API Gateway turns it into HTTP. */
export function writeGatewayResult(
  response: ServerResponse,
  result: GatewayResult,
  requestId: string,
): void {
  const headers: Record<string, string | string[]> = {
    "apigw-requestid": requestId,
  };
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    headers[name.toLowerCase()] = String(value);
  }
  if (result.cookies?.length) headers["set-cookie"] = result.cookies;
  // A text body goes out as a string, which Node sends with the headers in
  // one write.
  const body = result.isBase64Encoded
    ? Buffer.from(result.body ?? "", "base64")
    : (result.body ?? "");
  headers["content-length"] = String(
    typeof body === "string" ? Buffer.byteLength(body) : body.length,
  );
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

/** The state `readBody` keeps on a request while it reads the body. */
interface BodyRead {
  chunks: Buffer[];
  size: number;
  limitBytes: number;
  resolve: (body: Buffer) => void;
  reject: (error: Error) => void;
}

const BODY_READ = Symbol("bodyRead");

type ReadingRequest = IncomingMessage & { [BODY_READ]?: BodyRead };

/**
 * Reads a request's body, failing with PayloadTooLargeError past
 * `limitBytes`. Listens for chunks rather than iterating the stream, which
 * costs an async iterator per request. Every request shares the same
 * listeners, which find the request's state on the request, so a read
 * creates no functions.
 */
export function readBody(
  request: IncomingMessage,
  limitBytes: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    (request as ReadingRequest)[BODY_READ] = {
      chunks: [],
      size: 0,
      limitBytes,
      resolve,
      reject,
    };
    request.on("data", onBodyData);
    request.on("end", onBodyEnd);
    request.on("error", onBodyError);
  });
}

function onBodyData(this: ReadingRequest, chunk: Buffer): void {
  const read = this[BODY_READ]!;
  read.size += chunk.length;
  // API Gateway rejects payloads over 10 MB with 413 before Lambda runs.
  if (read.size > read.limitBytes) {
    finishBodyRead(this);
    this.resume();
    read.reject(new PayloadTooLargeError());
    return;
  }
  read.chunks.push(chunk);
}

function onBodyEnd(this: ReadingRequest): void {
  const read = finishBodyRead(this);
  const { chunks } = read;
  read.resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
}

function onBodyError(this: ReadingRequest, error: Error): void {
  finishBodyRead(this).reject(error);
}

/** Removes the listeners and the state of a finished read, and returns the state. */
function finishBodyRead(request: ReadingRequest): BodyRead {
  const read = request[BODY_READ]!;
  request[BODY_READ] = undefined;
  request.off("data", onBodyData);
  request.off("end", onBodyEnd);
  request.off("error", onBodyError);
  return read;
}

export class PayloadTooLargeError extends Error {
  override name = "PayloadTooLargeError";
}
