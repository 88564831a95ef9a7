import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { readStateTableDefinition } from './dynamo.ts';
import { useHarness } from './context.ts';

// The store is a real DynamoDB-compatible server: conditional writes are decided by the server,
// atomically per item, so the loser of a race is refused.

describe('DynamoDB-compatible store (dynalite)', () => {
  it('creates the state table from infra/dynamodb/state-table.yml', async () => {
    const h = useHarness();
    const definition = readStateTableDefinition();
    const { Table } = await h.dynamo.send(new DescribeTableCommand({ TableName: h.info.tableName }));
    expect(h.info.tableName).toBe(definition.TableName);
    expect(Table?.KeySchema).toEqual(definition.KeySchema);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('refuses the loser of two concurrent conditional puts with ConditionalCheckFailedException', async () => {
    const h = useHarness();
    const TableName = await h.newStateTable();
    const acquire = (owner: string) =>
      h.dynamo.send(
        new PutItemCommand({
          TableName,
          Item: { pk: { S: 'cluster#c1' }, sk: { S: 'lease' }, owner: { S: owner }, fencingToken: { N: '1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );

    const results = await Promise.allSettled([acquire('a'), acquire('b')]);
    const winners = results.filter((r) => r.status === 'fulfilled');
    const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]).toBeInstanceOf(ConditionalCheckFailedException);

    const winner = results[0]?.status === 'fulfilled' ? 'a' : 'b';
    const { Item } = await h.dynamo.send(
      new GetItemCommand({ TableName, Key: { pk: { S: 'cluster#c1' }, sk: { S: 'lease' } }, ConsistentRead: true }),
    );
    expect(Item?.owner?.S).toBe(winner);
  });

  it('refuses a compare-and-set update whose expected fencing token is stale', async () => {
    const h = useHarness();
    const TableName = await h.newStateTable();
    const Key = { pk: { S: 'cluster#c1' }, sk: { S: 'lease' } };
    await h.dynamo.send(new PutItemCommand({ TableName, Item: { ...Key, fencingToken: { N: '7' } } }));
    const bump = (expected: number) =>
      h.dynamo.send(
        new UpdateItemCommand({
          TableName,
          Key,
          UpdateExpression: 'SET fencingToken = fencingToken + :one',
          ConditionExpression: 'fencingToken = :expected',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':expected': { N: String(expected) } },
        }),
      );
    // Both read token 7; the first to write moves it to 8, the second is refused.
    const results = await Promise.allSettled([bump(7), bump(7)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(ConditionalCheckFailedException);
    const { Item } = await h.dynamo.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
    expect(Item?.fencingToken?.N).toBe('8');
  });

  it('does not offer TransactWriteItems (documented in test/harness/README.md; the code must not need it)', async () => {
    const h = useHarness();
    const write = h.dynamo.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: h.info.tableName, Item: { pk: { S: 'x' }, sk: { S: 'y' } } } }],
      }),
    );
    await expect(write).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });
});
