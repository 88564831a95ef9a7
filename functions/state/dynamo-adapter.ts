import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue as DynamoValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { ItemKey } from './keys.ts';
import { ConditionFailedError, type AttributeValue, type Conditional, type Item, type TableAdapter, type UpdateRequest } from './table-adapter.ts';

// The only file that calls DynamoDB. It uses GetItem, PutItem, UpdateItem, DeleteItem and Query —
// nothing else — so the IAM policy in serverless.yml grants exactly these five actions.
//
// Why no TransactWriteItems: dynalite (the DynamoDB-compatible server used locally and in tests, v4)
// implements BatchGetItem, BatchWriteItem, CreateTable, DeleteItem, DeleteTable, DescribeTable,
// DescribeTimeToLive, GetItem, ListTables, ListTagsOfResource, PutItem, Query, Scan, TagResource,
// UntagResource, UpdateItem and UpdateTable — no transactions and no UpdateTimeToLive. Every rule is
// therefore a single-item conditional write; the fencing token makes the multi-item persist safe, and
// the commit manifest on the lease makes it all-or-nothing for what counts (commit-manifest.ts; a
// transaction would not do anyway: it holds at most 100 items, a big plan writes more).

export class DynamoTableAdapter implements TableAdapter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(key: ItemKey): Promise<Item | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshalKey(key), ConsistentRead: true }));
    return out.Item ? unmarshalItem(out.Item) : undefined;
  }

  async put(item: Item, options: Conditional = {}): Promise<void> {
    await this.guard(item, () =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshalItem(item), ...expressions(options.condition, options) })),
    );
  }

  async update(key: ItemKey, request: UpdateRequest): Promise<Item> {
    return unmarshalItem((await this.updateItem(key, request, 'ALL_NEW')) ?? {});
  }

  async updateReturningOld(key: ItemKey, request: UpdateRequest): Promise<Item | undefined> {
    const old = await this.updateItem(key, request, 'ALL_OLD');
    return old ? unmarshalItem(old) : undefined;
  }

  private async updateItem(key: ItemKey, request: UpdateRequest, returnValues: 'ALL_NEW' | 'ALL_OLD') {
    const out = await this.guard(key, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshalKey(key),
          UpdateExpression: request.update,
          ReturnValues: returnValues,
          ...expressions(request.condition, request, request.update),
        }),
      ),
    );
    return out.Attributes;
  }

  async delete(key: ItemKey, options: Conditional = {}): Promise<void> {
    await this.guard(key, () =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshalKey(key), ...expressions(options.condition, options) })),
    );
  }

  async queryPartition(pk: string, options: { skPrefix?: string } = {}): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, DynamoValue> | undefined;
    do {
      const prefix = options.skPrefix;
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          KeyConditionExpression: prefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: prefix === undefined ? { '#pk': 'pk' } : { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: marshalValues({ ':pk': pk, ...(prefix === undefined ? {} : { ':prefix': prefix }) }),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const raw of out.Items ?? []) items.push(unmarshalItem(raw));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async guard<T>(key: ItemKey, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        throw new ConditionFailedError({ pk: key.pk, sk: key.sk }, { cause: error });
      }
      throw error;
    }
  }
}

function expressions(condition: string | undefined, options: Conditional, update?: string) {
  const names = attributeNames([condition, update]);
  const values = options.values && Object.keys(options.values).length > 0 ? marshalValues(options.values) : undefined;
  return {
    ...(condition ? { ConditionExpression: condition } : {}),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(values ? { ExpressionAttributeValues: values } : {}),
  };
}

/** Every `#word` in the expressions names the attribute `word`. */
function attributeNames(texts: (string | undefined)[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const text of texts) {
    for (const match of text?.matchAll(/#([A-Za-z_][A-Za-z0-9_]*)/g) ?? []) names[match[0]] = match[1]!;
  }
  return names;
}

function marshalKey(key: ItemKey): Record<string, DynamoValue> {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function marshalValues(values: Record<string, AttributeValue>): Record<string, DynamoValue> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, marshal(value)]));
}

function marshalItem(item: Item): Record<string, DynamoValue> {
  const out: Record<string, DynamoValue> = {};
  for (const [name, value] of Object.entries(item)) if (value !== undefined) out[name] = marshal(value);
  return out;
}

function marshal(value: AttributeValue): DynamoValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot store the number ${value}`);
    return { N: String(value) };
  }
  if (typeof value === 'boolean') return { BOOL: value };
  return { B: value };
}

function unmarshalItem(raw: Record<string, DynamoValue>): Item {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(raw)) out[name] = unmarshal(name, value);
  return out as Item;
}

function unmarshal(name: string, value: DynamoValue): AttributeValue {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.B !== undefined) return value.B;
  if (value.NULL) return null;
  throw new TypeError(`attribute ${name} has a type this table does not use`);
}
