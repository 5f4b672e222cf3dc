import { randomUUID } from "node:crypto";
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
  const now = new Date();

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
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
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

/**
 * Returns a request id shaped like API Gateway's (12 bytes in base64). It
 * takes its bytes from randomUUID, whose entropy cache saves a system call
 * per request that randomBytes would make.
 */
function apiGatewayRequestId(): string {
  const hex = randomUUID().replace(/-/g, "").slice(0, 24);
  return Buffer.from(hex, "hex").toString("base64");
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

/**
 * Reads a request's body, failing with PayloadTooLargeError past
 * `limitBytes`. Listens for chunks rather than iterating the stream, which
 * costs an async iterator per request.
 */
export function readBody(
  request: IncomingMessage,
  limitBytes: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // API Gateway rejects payloads over 10 MB with 413 before Lambda runs.
      if (size > limitBytes) {
        cleanup();
        request.resume();
        reject(new PayloadTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
  });
}

export class PayloadTooLargeError extends Error {
  override name = "PayloadTooLargeError";
}
