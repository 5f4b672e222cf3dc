import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";

export interface EventOptions {
  method?: string;
  path?: string;
  routeKey?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as it is. */
  body?: unknown;
  base64?: boolean;
}

/** Builds an API Gateway HTTP API payload v2 event as AWS delivers it. */
export function gatewayEvent(
  options: EventOptions = {},
): APIGatewayProxyEventV2 {
  const method = options.method ?? "POST";
  const path = options.path ?? "/functions/v1/vm-api";
  const headers: Record<string, string> = {
    "content-type": "application/json",
    host: "api.synthcore.test",
    "user-agent": "vitest",
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  const text =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const now = new Date();
  return {
    version: "2.0",
    routeKey: options.routeKey ?? `ANY ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers,
    requestContext: {
      accountId: "000000000000",
      apiId: "test",
      domainName: "api.synthcore.test",
      domainPrefix: "api",
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "vitest",
      },
      requestId: randomBytes(12).toString("base64"),
      routeKey: options.routeKey ?? `ANY ${path}`,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body:
      text === undefined
        ? undefined
        : options.base64
          ? Buffer.from(text).toString("base64")
          : text,
    isBase64Encoded: options.base64 === true,
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "vm-api",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:vm-api",
    memoryLimitInMB: "512",
    awsRequestId: randomBytes(8).toString("hex"),
    logGroupName: "/aws/lambda/vm-api",
    logStreamName: "test",
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
