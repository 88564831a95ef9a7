// The client's view of VPSie objects: camelCase, booleans as booleans, units in names.

/** created = listed in /apps/v2/vm but not (yet) running; gone = is_deleted or is_terminated. */
export type VpsieVmState = 'created' | 'running' | 'gone';

export type VpsieVm = {
  id: number | null;
  /** UUID; the handle for every call. The Node's providerID is `vpsie://<identifier>`. */
  identifier: string;
  hostname: string;
  cpu: number | null;
  ramMb: number | null;
  ssdGb: number | null;
  defaultIp: string | null;
  defaultIpv6: string | null;
  privateIp: string | null;
  publicIp: string | null;
  dcIdentifier: string | null;
  projectId: string | null;
  isActive: boolean;
  power: boolean;
  isSuspended: boolean;
  isLocked: boolean;
  isTerminated: boolean;
  isDeleted: boolean;
  /** As sent ("YYYY-MM-DD HH:MM:SS", no zone). */
  createdOn: string | null;
  /** createdOn read as UTC. */
  createdAtMs: number | null;
  notes: string | null;
  /** Only `getVm` returns tags; list rows carry none. */
  tags: string[];
  state: VpsieVmState;
};

/** An entry of /apps/v2/vm/pending: what the create request said, no VM identifier yet. */
export type VpsiePendingVm = {
  id: string | null;
  hostname: string;
  processId: string | null;
  resourceIdentifier: string | null;
  osIdentifier: string | null;
  dcIdentifier: string | null;
  projectId: string | null;
  /** As the create sent them (the ownership marker). */
  notes: string | null;
  createdOn: string | null;
  /** createdOn read as UTC. */
  createdAtMs: number | null;
};

/** Where a hostname was found: still pending, or created (then with the full VM). */
export type VmLookup = { where: 'pending'; pending: VpsiePendingVm } | { where: 'created'; vm: VpsieVm };

export type VpsieDatacenter = {
  identifier: string;
  name: string;
  country: string | null;
  state: string | null;
  isActive: boolean;
};

export type VpsieCategory = { identifier: string; name: string };

export type VpsiePlan = {
  /** The `resourceIdentifier` of a create request. */
  identifier: string;
  nickname: string;
  cpu: number;
  ramMb: number;
  ssdGb: number | null;
  trafficGb: number | null;
  priceMonthly: number;
  /** priceMonthly / 720, VPSie's billing month. */
  priceHourly: number;
};

/** A stored script (`/apps/v2/scripts`); `scriptIdentifier` on a create runs it on the new VM. */
export type VpsieScript = { identifier: string; name: string; createdAtMs: number | null };

/** A project: the numeric `id` (older tools, VM rows' project_id) and the UUID `identifier` (newest Terraform). */
export type VpsieProject = { id: string; identifier: string; name: string; isDefault: boolean };

export type PlanQuery = { dcIdentifier: string; osIdentifier: string; categoryIdentifier: string };

export type LaunchRequest = {
  hostname: string;
  /** Plan identifier (`resourceIdentifier` on the wire). */
  resourceIdentifier: string;
  osIdentifier: string;
  dcIdentifier: string;
  projectId: string;
  /** Cloud-init user-data as plain text; the client base64-encodes it. */
  userData?: string;
  tags?: string[];
  notes?: string;
  sshKeyIdentifier?: string;
  scriptIdentifier?: string;
  /** Client-chosen UUID echoed in /vm/pending; generated when absent. */
  processId?: string;
  addPublicIpV4?: boolean;
  addPublicIpV6?: boolean;
  addPrivateIp?: boolean;
  backupEnabled?: boolean;
};

export type LaunchResult = {
  /**
   * created = this call's create was accepted; existing = the hostname already existed (a retry of an
   * earlier launch); unconfirmed = the create's answer was lost (it may or may not have been
   * accepted) and the VM is not visible yet: look for the hostname later, never create it again.
   */
  outcome: 'created' | 'existing' | 'unconfirmed';
  processId: string;
  /** What the lookups saw, when they found the VM (always for `existing`). */
  lookup: VmLookup | undefined;
  /** Number of create requests sent (0 for `existing`). */
  createAttempts: number;
  /** For `unconfirmed`: what became of the create request. */
  error?: string;
};

export type DeleteRequest = { identifier: string; reason: string; note?: string };

export type DeleteResult = { outcome: 'deleted' | 'already-gone' };

/** What the metrics hook receives for every HTTP attempt (and for calls refused by the open breaker). */
export type RequestEvent = {
  /** Logical operation: listVms, createVm, login, … */
  method: string;
  path: string;
  /** HTTP status, or why there is none. */
  status: number | 'timeout' | 'network' | 'circuit_open';
  durationMs: number;
  attempt: number;
  /** Error class name when the attempt failed. */
  error?: string;
};
