import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface DynamoOptions {
  region: string;
  /** A local engine such as dynalite; real AWS when omitted. */
  endpoint?: string;
}

/**
 * Creates a document client. A local endpoint gets fixed dummy credentials,
 * because dynalite accepts any and the default chain would look for real ones.
 */
export function createDynamoClient(
  options: DynamoOptions,
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: 3,
    ...(options.endpoint
      ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
