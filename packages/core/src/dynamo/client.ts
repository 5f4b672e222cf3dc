import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { AwsJsonClient, DYNAMODB } from "../aws/json-client";

export interface DynamoOptions {
  region: string;
  /** A local engine such as dynalite; real AWS when omitted. */
  endpoint?: string;
}

/** An item as plain JavaScript values. */
export type Item = Record<string, unknown>;

interface Expression {
  TableName: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

export interface TableDefinition {
  TableName: string;
  AttributeDefinitions: { AttributeName: string; AttributeType: "S" | "N" }[];
  KeySchema: { AttributeName: string; KeyType: "HASH" | "RANGE" }[];
  BillingMode: "PAY_PER_REQUEST";
}

const MARSHALL = { removeUndefinedValues: true };

/**
 * DynamoDB with items as plain values: the operations this control plane
 * uses, each one call through `send`, which is where tests count round
 * trips. Numbers come back as JavaScript numbers.
 */
export class DynamoClient {
  constructor(private readonly aws: AwsJsonClient) {}

  /** Calls one DynamoDB operation with its wire-format input. */
  send(operation: string, input: object): Promise<Record<string, unknown>> {
    return this.aws.call(operation, input);
  }

  async put(input: Expression & { Item: Item }): Promise<void> {
    await this.send("PutItem", {
      ...input,
      Item: marshall(input.Item, MARSHALL),
      ExpressionAttributeValues: values(input),
    });
  }

  async get(input: {
    TableName: string;
    Key: Item;
    ConsistentRead?: boolean;
  }): Promise<Item | undefined> {
    const { Item } = await this.send("GetItem", {
      ...input,
      Key: marshall(input.Key, MARSHALL),
    });
    return Item ? unmarshall(Item as never) : undefined;
  }

  /** Returns the item's attributes that `ReturnValues` requests, if any. */
  async update(
    input: Expression & {
      Key: Item;
      UpdateExpression: string;
      ReturnValues?: "ALL_NEW" | "ALL_OLD" | "NONE";
    },
  ): Promise<Item | undefined> {
    const { Attributes } = await this.send("UpdateItem", {
      ...input,
      Key: marshall(input.Key, MARSHALL),
      ExpressionAttributeValues: values(input),
    });
    return Attributes ? unmarshall(Attributes as never) : undefined;
  }

  /** One page of a query. */
  async query(
    input: Expression & {
      KeyConditionExpression: string;
      FilterExpression?: string;
      ConsistentRead?: boolean;
      ExclusiveStartKey?: Item;
    },
  ): Promise<{ Items: Item[]; LastEvaluatedKey?: Item }> {
    const page = await this.send("Query", {
      ...input,
      ExpressionAttributeValues: values(input),
      ExclusiveStartKey: input.ExclusiveStartKey
        ? marshall(input.ExclusiveStartKey, MARSHALL)
        : undefined,
    });
    const items = (page.Items ?? []) as never[];
    const last = page.LastEvaluatedKey as never;
    return {
      Items: items.map((item) => unmarshall(item)),
      LastEvaluatedKey: last ? unmarshall(last) : undefined,
    };
  }

  async createTable(definition: TableDefinition): Promise<void> {
    await this.send("CreateTable", definition);
  }

  /** Returns the table's status, e.g. "ACTIVE". */
  async tableStatus(name: string): Promise<string | undefined> {
    const { Table } = await this.send("DescribeTable", { TableName: name });
    return (Table as { TableStatus?: string } | undefined)?.TableStatus;
  }

  close(): void {
    this.aws.close();
  }
}

function values(input: Expression) {
  return input.ExpressionAttributeValues
    ? marshall(input.ExpressionAttributeValues, MARSHALL)
    : undefined;
}

/**
 * Creates a DynamoDB client. A local endpoint gets fixed dummy credentials,
 * because dynalite accepts any and the Lambda environment's are not there.
 */
export function createDynamoClient(options: DynamoOptions): DynamoClient {
  return new DynamoClient(
    new AwsJsonClient(DYNAMODB, {
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.endpoint
        ? { accessKeyId: "local", secretAccessKey: "local" }
        : undefined,
    }),
  );
}
