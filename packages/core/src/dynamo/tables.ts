import { isAwsError } from "../aws/json-client";
import type { DynamoClient, TableDefinition } from "./client";

/** Key schema of the rate-limit table; the SST stack declares the same. */
export const RATE_LIMIT_TABLE_KEY = "key";
export const RATE_LIMIT_TTL_ATTRIBUTE = "expires_at";

export function rateLimitTableDefinition(name: string): TableDefinition {
  return {
    TableName: name,
    AttributeDefinitions: [
      { AttributeName: RATE_LIMIT_TABLE_KEY, AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: RATE_LIMIT_TABLE_KEY, KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  };
}

/**
 * Creates tables that do not exist yet and waits until they are active. Used
 * by the local stack and tests; in AWS the SST stack owns the tables.
 */
export async function ensureTables(
  client: DynamoClient,
  definitions: TableDefinition[],
): Promise<void> {
  for (const definition of definitions) {
    try {
      await client.createTable(definition);
    } catch (error) {
      if (!isAwsError(error, "ResourceInUseException")) throw error;
    }
    for (let attempt = 0; attempt < 100; attempt++) {
      const status = await client.tableStatus(definition.TableName);
      if (status === "ACTIVE") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
