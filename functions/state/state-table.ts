import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../clock.ts';
import { DynamoTableAdapter } from './dynamo-adapter.ts';
import { LeaseRules } from './lease.ts';
import { DynamoNonceStore } from './nonce-store.ts';
import { ClusterStateStore, DEFAULT_STATE_STORE_OPTIONS, type StateStoreOptions } from './planning-state-store.ts';
import type { TableAdapter } from './table-adapter.ts';
import { TriggerRules } from './trigger.ts';

// The table layer as the rest of the functions see it: rules over one adapter, one clock.

export interface StateTable {
  adapter: TableAdapter;
  leases: LeaseRules;
  clusters: ClusterStateStore;
  nonces: DynamoNonceStore;
  triggers: TriggerRules;
}

export interface StateTableOptions {
  client: DynamoDBClient;
  tableName: string;
  clock: Clock;
  leaseMs: number;
  store?: Partial<StateStoreOptions>;
}

export function createStateTable(options: StateTableOptions): StateTable {
  const adapter = new DynamoTableAdapter(options.client, options.tableName);
  const leases = new LeaseRules(adapter, options.clock, options.leaseMs);
  return {
    adapter,
    leases,
    clusters: new ClusterStateStore(adapter, leases, options.clock, { ...DEFAULT_STATE_STORE_OPTIONS, ...options.store }),
    nonces: new DynamoNonceStore(adapter, options.clock),
    triggers: new TriggerRules(adapter, options.clock),
  };
}
