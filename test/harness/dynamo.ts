import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type BillingMode,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// A real DynamoDB-compatible server (dynalite, in-process, in-memory LevelDB) with the state table
// created from infra/dynamodb/state-table.yml — the same file serverless.yml deploys.
// What dynalite supports and what it does not is listed in test/harness/README.md.

export const STATE_TABLE_FILE = join(dirname(fileURLToPath(import.meta.url)), '../../infra/dynamodb/state-table.yml');
export const HARNESS_REGION = 'us-east-1';
// dynalite checks that requests are signed, not by whom.
export const HARNESS_CREDENTIALS = { accessKeyId: 'harness', secretAccessKey: 'harness' };

/** The CloudFormation Properties of the table (the subset the harness needs to create it). */
export interface StateTableDefinition {
  TableName: string;
  BillingMode: BillingMode;
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
}

export function readStateTableDefinition(path = STATE_TABLE_FILE): StateTableDefinition {
  return parse(readFileSync(path, 'utf8')) as StateTableDefinition;
}

export interface Dynamo {
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: HARNESS_REGION, credentials: HARNESS_CREDENTIALS });
}

/** Creates the state table under `tableName` from the shared definition. */
export async function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const definition = readStateTableDefinition();
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: definition.BillingMode,
      AttributeDefinitions: definition.AttributeDefinitions,
      KeySchema: definition.KeySchema,
    }),
  );
  // CloudFormation sets TTL with the table; the API needs a second call. dynalite does not know
  // UpdateTimeToLive (and never expires items) — harmless, because expiry is always checked in conditions.
  const ttl = definition.TimeToLiveSpecification;
  if (ttl?.Enabled) {
    try {
      await client.send(
        new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }),
      );
    } catch (error) {
      if ((error as Error).name !== 'UnknownOperationException') throw error;
    }
  }
}

export async function startDynamo({ tableName = readStateTableDefinition().TableName } = {}): Promise<Dynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoClient(endpoint);
  const stop = async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await createStateTable(client, tableName);
  } catch (error) {
    await stop();
    throw new Error(`could not create the state table ${tableName} on dynalite at ${endpoint}`, { cause: error });
  }
  return { endpoint, tableName, client, stop };
}
