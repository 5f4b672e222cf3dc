import { createHash, createHmac } from "node:crypto";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigningScope {
  service: string;
  region: string;
  credentials: AwsCredentials;
  /** The signing time; the signature is valid for 15 minutes around it. */
  date: Date;
}

export interface UnsignedRequest {
  method: string;
  /** The path, already URI-encoded, without a query string. */
  path: string;
  /** Header names in lowercase. Every header given here is signed. */
  headers: Record<string, string>;
  body: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";

const sha256Hex = (data: string) =>
  createHash("sha256").update(data, "utf8").digest("hex");

const hmac = (key: Buffer | string, data: string) =>
  createHmac("sha256", key).update(data, "utf8").digest();

/** Signing keys change once a day per scope, so keep the last few. */
const signingKeys = new Map<string, Buffer>();

function signingKey(scope: SigningScope, day: string): Buffer {
  const { secretAccessKey } = scope.credentials;
  const cacheKey = `${day}/${scope.region}/${scope.service}/${secretAccessKey}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    const dated = hmac(`AWS4${secretAccessKey}`, day);
    const regional = hmac(dated, scope.region);
    const service = hmac(regional, scope.service);
    key = hmac(service, "aws4_request");
    if (signingKeys.size >= 16) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** `20150830T123600Z` */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/**
 * Signs a request with AWS Signature Version 4 and returns the headers to
 * send: the request's own plus `x-amz-date`, `x-amz-security-token` when
 * the credentials carry one, and `authorization`.
 */
export function signRequest(
  request: UnsignedRequest,
  scope: SigningScope,
): Record<string, string> {
  const stamp = amzDate(scope.date);
  const day = stamp.slice(0, 8);
  const headers: Record<string, string> = {
    ...request.headers,
    "x-amz-date": stamp,
  };
  if (scope.credentials.sessionToken) {
    headers["x-amz-security-token"] = scope.credentials.sessionToken;
  }

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    request.method,
    request.path,
    "",
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join("\n");

  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [
    ALGORITHM,
    stamp,
    credentialScope,
    sha256Hex(canonicalRequest),
  ].join("\n");
  const signature = createHmac("sha256", signingKey(scope, day))
    .update(stringToSign, "utf8")
    .digest("hex");

  headers.authorization =
    `${ALGORITHM} Credential=${scope.credentials.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
