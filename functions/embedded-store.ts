import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';

// A DynamoDB-compatible store inside the process (dynalite) for local runs without an AWS account.
// The table is created from infra/dynamodb/state-table.yml — the definition serverless.yml deploys.
// Never used on Lambda (lambda.ts does not import this file, so the bundle does not carry dynalite).

export const STATE_TABLE_DEFINITION = new URL('../infra/dynamodb/state-table.yml', import.meta.url);

export interface EmbeddedStore {
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export interface EmbeddedStoreOptions {
  tableName?: string;
  /** Keep the data in this folder (LevelDB) across restarts; in memory when absent. */
  dataDir?: string;
}

export async function startEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const definition = parse(readFileSync(STATE_TABLE_DEFINITION, 'utf8')) as {
    TableName: string;
    AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
    KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  };
  const tableName = options.tableName ?? definition.TableName;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir ? { path: options.dataDir } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const stop = async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) {
      await stop();
      throw error;
    }
    // PAY_PER_REQUEST and TTL are deployment settings; dynalite ignores billing and never expires
    // items (harmless: expiry is always checked in condition expressions).
    await client.send(new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: definition.AttributeDefinitions,
      KeySchema: definition.KeySchema,
    }));
  }
  return { endpoint, tableName, client, stop };
}
