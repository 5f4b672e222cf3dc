import { describe, expect, it } from "vitest";
import { signRequest } from "../../src/aws/sigv4";
import { referenceAuthorization } from "./oracle";

/** The credentials of AWS's published Signature V4 test suite. */
const EXAMPLE = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const EXAMPLE_DATE = new Date("2015-08-30T12:36:00Z");

describe("signRequest", () => {
  it("matches AWS's post-vanilla test vector", () => {
    const headers = signRequest(
      {
        method: "POST",
        path: "/",
        headers: { host: "example.amazonaws.com" },
        body: "",
      },
      {
        service: "service",
        region: "us-east-1",
        credentials: EXAMPLE,
        date: EXAMPLE_DATE,
      },
    );

    expect(headers["x-amz-date"]).toBe("20150830T123600Z");
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        "SignedHeaders=host;x-amz-date, " +
        "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    );
  });

  const cases = [
    {
      name: "a DynamoDB UpdateItem with a session token",
      service: "dynamodb",
      target: "DynamoDB_20120810.UpdateItem",
      json: "1.0",
      body: { TableName: "rate-limits", Key: { key: { S: "vm:ü✓" } } },
      sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes==",
    },
    {
      name: "an SQS SendMessage",
      service: "sqs",
      target: "AmazonSQS.SendMessage",
      json: "1.0",
      body: { QueueUrl: "https://queue.test/1/q", MessageBody: "{}" },
    },
    {
      name: "an SSM GetParameters",
      service: "ssm",
      target: "AmazonSSM.GetParameters",
      json: "1.1",
      body: { Names: ["/sst/app/stage/Secret/X/value"], WithDecryption: true },
    },
  ];

  it.each(cases)("signs $name as the AWS SDK does", async (request) => {
    const host = `${request.service}.eu-west-1.amazonaws.com`;
    const body = JSON.stringify(request.body);
    const headers = {
      "content-type": `application/x-amz-json-${request.json}`,
      "x-amz-target": request.target,
    };
    const scope = {
      service: request.service,
      region: "eu-west-1",
      credentials: { ...EXAMPLE, sessionToken: request.sessionToken },
      date: new Date("2026-12-04T16:40:05.123Z"),
    };

    const ours = signRequest(
      { method: "POST", path: "/", headers: { ...headers, host }, body },
      scope,
    );

    expect(ours.authorization).toBe(
      await referenceAuthorization({ host, headers, body }, scope),
    );
    expect(ours["x-amz-security-token"]).toBe(request.sessionToken);
  });

  it("never puts the secret key in the headers", () => {
    const headers = signRequest(
      { method: "POST", path: "/", headers: { host: "h.test" }, body: "{}" },
      {
        service: "dynamodb",
        region: "us-east-1",
        credentials: EXAMPLE,
        date: EXAMPLE_DATE,
      },
    );

    expect(JSON.stringify(headers)).not.toContain(EXAMPLE.secretAccessKey);
  });
});
