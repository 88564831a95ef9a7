// Every key of the state table, in one place (DESIGN.md "State table"). Every item of a cluster lives
// under the partition `cluster#<id>`, so one Query reads a cluster's whole state and clusters never mix.

export const clusterPk = (clusterId: string): string => `cluster#${clusterId}`;

export const LEASE_SK = 'lease';
/** Last contact from the forwarder and the pending trigger flag. */
export const CONTACT_SK = 'contact';
/** The last plan sent: decisions for /status, the request hash and the message for replays. */
export const LAST_PLAN_SK = 'plan';
/** The rest of PlanningState beyond groups, nodes and operations (seenResults, sentCommands, …). */
export const STATE_REST_SK = 'state';

export const GROUP_PREFIX = 'ng#';
export const NODE_PREFIX = 'node#';
export const OPERATION_PREFIX = 'op#';

export const groupSk = (groupKey: string): string => `${GROUP_PREFIX}${groupKey}`;
export const nodeSk = (nodeName: string): string => `${NODE_PREFIX}${nodeName}`;
export const operationSk = (operationId: string): string => `${OPERATION_PREFIX}${operationId}`;

/** Nonces get their own partition: they are written before the cluster's state is touched. */
export const noncePk = (clusterId: string, nonce: string): string => `nonce#${clusterId}#${nonce}`;
export const NONCE_SK = 'nonce';

export interface ItemKey {
  pk: string;
  sk: string;
}
