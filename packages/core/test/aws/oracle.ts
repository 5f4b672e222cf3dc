import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentials } from "../../src/aws/sigv4";

const bytes = (data: ArrayBuffer | ArrayBufferView) =>
  ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);

/** SHA-256 in the shape the AWS SDK's signer takes. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret
      ? createHmac(
          "sha256",
          typeof secret === "string" ? secret : bytes(secret),
        )
      : createHash("sha256");
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(typeof data === "string" ? data : bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {}
}

/**
 * Signs with the AWS SDK's own Signature V4 signer, the reference the
 * tests hold this project's signer to. Returns the authorization header.
 */
export async function referenceAuthorization(
  request: {
    host: string;
    headers: Record<string, string>;
    body: string;
  },
  scope: {
    service: string;
    region: string;
    credentials: AwsCredentials;
    date: Date;
  },
): Promise<string> {
  const signer = new SignatureV4({
    service: scope.service,
    region: scope.region,
    credentials: scope.credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "https:",
      hostname: request.host,
      path: "/",
      query: {},
      headers: { ...request.headers, host: request.host },
      body: request.body,
    },
    { signingDate: scope.date },
  );
  return signed.headers.authorization!;
}
