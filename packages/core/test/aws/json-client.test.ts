import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { crc32 } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AwsError,
  AwsJsonClient,
  DYNAMODB,
  SQS,
  isAwsError,
} from "../../src/aws/json-client";
import { SqsJobQueue } from "../../src/lifecycle/sqs-queue";
import { referenceAuthorization } from "./oracle";

const CREDENTIALS = {
  accessKeyId: "AKIDTEST",
  secretAccessKey: "secret-access-key-never-rendered",
  sessionToken: "session-token-never-rendered",
};

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

type Reply = (response: ServerResponse, received: Received) => void;

/** An AWS JSON endpoint on 127.0.0.1 that sends `replies` in turn. */
class FakeService {
  readonly received: Received[] = [];
  private replies: Reply[] = [];
  private server!: Server;
  url = "";

  async start() {
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const received = { headers: request.headers, body };
        this.received.push(received);
        const reply = this.replies.shift() ?? json(200, {});
        reply(response, received);
      });
    });
    await new Promise<void>((resolve) =>
      this.server.listen(0, "127.0.0.1", resolve),
    );
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  reply(...replies: Reply[]) {
    this.replies.push(...replies);
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

function json(status: number, body: unknown, crc?: number): Reply {
  return (response) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-crc32": String(crc ?? crc32(text)),
    });
    response.end(text);
  };
}

const awsError = (status: number, type: string, message: string) =>
  json(status, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });

const dropConnection: Reply = (response) => response.socket?.destroy();

describe("AwsJsonClient", () => {
  let service: FakeService;
  let client: AwsJsonClient;

  beforeEach(async () => {
    service = new FakeService();
    await service.start();
    client = new AwsJsonClient(DYNAMODB, {
      region: "eu-west-1",
      endpoint: service.url,
      credentials: CREDENTIALS,
      backoffMs: 1,
    });
  });
  afterEach(async () => {
    client.close();
    await service.close();
    vi.unstubAllEnvs();
  });

  it("sends a signed operation", async () => {
    service.reply(json(200, { Item: { key: { S: "a" } } }));

    const reply = await client.call("GetItem", { TableName: "t" });

    expect(reply).toEqual({ Item: { key: { S: "a" } } });
    const [{ headers, body }] = service.received as [Received];
    expect(body).toBe('{"TableName":"t"}');
    expect(headers["x-amz-target"]).toBe("DynamoDB_20120810.GetItem");
    expect(headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(headers["x-amz-security-token"]).toBe(CREDENTIALS.sessionToken);
    const date = headers["x-amz-date"] as string;
    const signedAt = new Date(
      date.replace(
        /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/,
        "$1-$2-$3T$4:$5:$6Z",
      ),
    );
    expect(headers.authorization).toBe(
      await referenceAuthorization(
        {
          host: headers.host!,
          headers: {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": "DynamoDB_20120810.GetItem",
          },
          body,
        },
        {
          service: "dynamodb",
          region: "eu-west-1",
          credentials: CREDENTIALS,
          date: signedAt,
        },
      ),
    );
  });

  it("retries a server error", async () => {
    service.reply(
      awsError(500, "InternalServerError", "try again"),
      json(200, { ok: 1 }),
    );

    await expect(client.call("PutItem", {})).resolves.toEqual({ ok: 1 });
    expect(service.received).toHaveLength(2);
  });

  it("retries throttling up to the limit", async () => {
    const throttled = awsError(
      400,
      "ProvisionedThroughputExceededException",
      "slow down",
    );
    service.reply(throttled, throttled, throttled, json(200, {}));

    const error = await client.call("UpdateItem", {}).catch((e: unknown) => e);

    expect(isAwsError(error, "ProvisionedThroughputExceededException")).toBe(
      true,
    );
    expect((error as AwsError).statusCode).toBe(400);
    expect(service.received).toHaveLength(3);
  });

  it("does not retry failed conditions", async () => {
    service.reply(
      json(400, {
        __type:
          "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        message: "The conditional request failed",
        Item: { tat: { N: "5" } },
      }),
    );

    const error = (await client
      .call("UpdateItem", {})
      .catch((e: unknown) => e)) as AwsError;

    expect(error).toBeInstanceOf(AwsError);
    expect(error.code).toBe("ConditionalCheckFailedException");
    expect(error.message).toBe(
      "UpdateItem: ConditionalCheckFailedException: The conditional request failed",
    );
    expect(error.retryable).toBe(false);
    expect(error.details.Item).toEqual({ tat: { N: "5" } });
    expect(service.received).toHaveLength(1);
  });

  it("reads SQS error codes", async () => {
    service.reply(
      json(400, {
        __type: "com.amazonaws.sqs#QueueDoesNotExist",
        message: "The specified queue does not exist.",
      }),
    );

    await expect(client.call("SendMessage", {})).rejects.toMatchObject({
      code: "QueueDoesNotExist",
      statusCode: 400,
    });
  });

  it("retries a dropped connection", async () => {
    service.reply(dropConnection, json(200, { after: "drop" }));

    await expect(client.call("Query", {})).resolves.toEqual({ after: "drop" });
    expect(service.received).toHaveLength(2);
  });

  it("retries a CRC32 mismatch", async () => {
    service.reply(json(200, { torn: true }, 12345), json(200, { whole: true }));

    await expect(client.call("GetItem", {})).resolves.toEqual({ whole: true });
    expect(service.received).toHaveLength(2);
  });

  it("times out a silent service", async () => {
    const slow = new AwsJsonClient(DYNAMODB, {
      endpoint: service.url,
      credentials: CREDENTIALS,
      timeoutMs: 50,
      maxAttempts: 2,
      backoffMs: 1,
    });
    const never: Reply = () => {};
    service.reply(never, never);

    await expect(slow.call("GetItem", {})).rejects.toMatchObject({
      code: "TimeoutError",
      message: "dynamodb request timed out after 50 ms",
    });
    expect(service.received).toHaveLength(2);
    slow.close();
  });

  it("keeps credentials out of every error", async () => {
    service.reply(
      awsError(
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      ),
    );

    const error = (await client
      .call("GetItem", {})
      .catch((e: unknown) => e)) as AwsError;

    const rendered = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
    expect(rendered).not.toContain(CREDENTIALS.secretAccessKey);
    expect(rendered).not.toContain(CREDENTIALS.sessionToken);
  });

  it("reads credentials from the environment", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "");
    const fromEnv = new AwsJsonClient(DYNAMODB, { endpoint: service.url });

    await expect(fromEnv.call("GetItem", {})).rejects.toThrow(
      "no AWS credentials for dynamodb: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
    );
    expect(service.received).toHaveLength(0);

    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDENV");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "env-secret");
    await fromEnv.call("GetItem", {});
    expect(service.received[0]!.headers.authorization).toContain(
      "Credential=AKIDENV/",
    );
    fromEnv.close();
  });

  it("reads the endpoint from the environment", () => {
    vi.stubEnv("AWS_ENDPOINT_URL_DYNAMODB", service.url);

    expect(new AwsJsonClient(DYNAMODB).endpoint.origin).toBe(service.url);
  });

  it("rejects non-loopback endpoints under test", async () => {
    vi.stubEnv("AWS_ENDPOINT_URL", "");
    vi.stubEnv("AWS_ENDPOINT_URL_DYNAMODB", "");
    const documentation = new AwsJsonClient(DYNAMODB, {
      endpoint: "https://203.0.113.7",
      credentials: CREDENTIALS,
    });
    const regional = new AwsJsonClient(DYNAMODB, {
      region: "eu-west-1",
      credentials: CREDENTIALS,
    });

    await expect(documentation.call("GetItem", {})).rejects.toThrow(
      "test request to 203.0.113.7 rejected: only 127.0.0.1 is allowed",
    );
    await expect(regional.call("GetItem", {})).rejects.toThrow(
      "only 127.0.0.1 is allowed",
    );
  });
});

describe("SqsJobQueue", () => {
  it("sends a job as one message", async () => {
    const service = new FakeService();
    await service.start();
    const queueUrl =
      "https://sqs.eu-west-1.amazonaws.test/123456789012/lifecycle";
    const client = new AwsJsonClient(SQS, {
      endpoint: service.url,
      credentials: CREDENTIALS,
    });
    service.reply(json(200, { MessageId: "m-1" }));
    const job = {
      projectId: "6d0f1c9e-5a55-4d2b-9a57-1b8f1b0f3c11",
      version: 3,
      status: "starting" as const,
    };

    await new SqsJobQueue(queueUrl, client).send(job);

    const [{ headers, body }] = service.received as [Received];
    expect(headers["x-amz-target"]).toBe("AmazonSQS.SendMessage");
    expect(JSON.parse(body)).toEqual({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(job),
    });
    client.close();
    await service.close();
  });
});
