import { CoreV1Api, KubeConfig, type V1Node, type V1NodeCondition } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROVIDER_ID_PREFIX } from '../../shared/labels.ts';
import { KWOK_ANNOTATION, KWOK_ANNOTATION_VALUE } from '../harness/kwok.ts';
import { nodeResources } from './node-resources.ts';
import type { SimHook, SimVm } from './state.ts';
import { decodeUserData, kubeletSettingsFromUserData } from './user-data.ts';
import { ipv4, privateIpv4 } from './wire.ts';

// Makes the simulator's VMs join a real cluster the way real ones would, with kwok playing the kubelet:
// - a VM becomes active → its "kubelet" registers a Node named after the hostname, providerID
//   vpsie://<identifier>, capacity from the plan, labels/taints/max-pods/reservations from the kubelet
//   flags in its cloud-init user-data, and the kwok annotation so that kwok makes it Ready;
// - a VM is deleted → its kubelet stops: kwok lets go of the Node and Ready turns Unknown. The Node is
//   NOT deleted: deleting Nodes is the autoscaler's job.

export type ClusterHookOptions = {
  kubeconfigPath: string;
  /** Where failures are reported (they are also kept in sim.hookErrors). Default: stderr. */
  log?: (message: string) => void;
  /**
   * Which VMs join this cluster (default all). With several clusters on one simulator, a VM joins
   * the one its bootstrap names, as a real kubelet does: see joinsApiServer.
   */
  accepts?: (vm: SimVm) => boolean;
};

/** A VM whose user-data joins the API server at `endpoint` ("host:port", what `kubeadm join` is given). */
export function joinsApiServer(endpoint: string): (vm: SimVm) => boolean {
  return (vm) => decodeUserData(vm.userData).includes(endpoint);
}

export type ClusterHook = SimHook & { close(): Promise<void> };

const CONFLICT_RETRIES = 8;

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** Read-modify-write with retries on 409 (kwok updates the same Node concurrently). */
async function withConflictRetry(fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (statusCode(error) !== 409 || attempt >= CONFLICT_RETRIES) throw error;
      await sleep(50 * attempt);
    }
  }
}

export function nodeForVm(vm: SimVm): V1Node {
  const settings = kubeletSettingsFromUserData(vm.userData);
  const { capacity, allocatable } = nodeResources({ cpu: vm.cpu, ramMb: vm.ramMb, ssdGb: vm.ssdGb }, settings);
  const addresses = [
    ...(vm.privateIp ? [{ type: 'InternalIP', address: privateIpv4(vm) }] : vm.publicIpV4 ? [{ type: 'InternalIP', address: ipv4(vm) }] : []),
    ...(vm.publicIpV4 ? [{ type: 'ExternalIP', address: ipv4(vm) }] : []),
    { type: 'Hostname', address: vm.hostname },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: vm.hostname,
      labels: {
        // what every kubelet adds, then --node-labels
        'kubernetes.io/hostname': vm.hostname,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        ...settings.labels,
      },
      // Without the annotation kwok does not play this Node's kubelet: it stays without a Ready condition.
      annotations: vm.kubeletNeverReady ? {} : { [KWOK_ANNOTATION]: KWOK_ANNOTATION_VALUE },
    },
    spec: {
      providerID: `${PROVIDER_ID_PREFIX}${vm.identifier}`,
      ...(settings.taints.length > 0 ? { taints: settings.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })) } : {}),
    },
    status: {
      capacity,
      allocatable,
      addresses,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'Ubuntu 22.04 LTS (vpsie-sim)',
        kernelVersion: '5.15.0-sim',
        containerRuntimeVersion: 'containerd://1.7.0-sim',
        kubeletVersion: 'v1.35.4-sim',
        kubeProxyVersion: '',
        machineID: vm.identifier.replace(/-/g, ''),
        systemUUID: vm.identifier,
        bootID: vm.identifier,
      },
    },
  };
}

function unknownConditions(conditions: V1NodeCondition[] | undefined, now: Date): V1NodeCondition[] {
  const existing = conditions && conditions.length > 0 ? conditions : [{ type: 'Ready', status: 'True' } as V1NodeCondition];
  return existing.map((c) => ({
    ...c,
    status: 'Unknown',
    reason: 'NodeStatusUnknown',
    message: 'Kubelet stopped posting node status.',
    lastTransitionTime: c.status === 'Unknown' ? c.lastTransitionTime : now,
  }));
}

export function createClusterHook(options: ClusterHookOptions): ClusterHook {
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const log = options.log ?? ((message: string) => process.stderr.write(`vpsie-sim: ${message}\n`));
  let closed = false;
  const accepts = options.accepts ?? (() => true);

  async function register(vm: SimVm): Promise<void> {
    const node = nodeForVm(vm);
    try {
      await core.createNode({ body: node });
    } catch (error) {
      if (statusCode(error) !== 409) throw error;
      // A Node of that name exists (a re-used hostname): the kubelet re-registers it.
      await withConflictRetry(async () => {
        const current = await core.readNode({ name: vm.hostname });
        current.metadata = { ...current.metadata, labels: { ...current.metadata?.labels, ...node.metadata!.labels }, annotations: { ...current.metadata?.annotations, ...node.metadata!.annotations } };
        current.spec = { ...current.spec, ...node.spec };
        await core.replaceNode({ name: vm.hostname, body: current });
      });
    }
    // Some API servers drop status on create: make sure capacity and allocatable are there.
    await withConflictRetry(async () => {
      const current = await core.readNodeStatus({ name: vm.hostname });
      if (current.status?.allocatable?.['memory'] === node.status!.allocatable!['memory'] && current.status?.capacity?.['cpu'] === node.status!.capacity!['cpu']) return;
      current.status = { ...current.status, capacity: node.status!.capacity, allocatable: node.status!.allocatable, addresses: node.status!.addresses, nodeInfo: node.status!.nodeInfo };
      await core.replaceNodeStatus({ name: vm.hostname, body: current });
    });
    log(`VM ${vm.hostname} is active: registered Node ${vm.hostname} (${PROVIDER_ID_PREFIX}${vm.identifier})`);
  }

  async function markGone(vm: SimVm): Promise<void> {
    const name = vm.hostname;
    // IMPORTANT: first take the Node away from kwok, or kwok would turn it Ready again at once.
    try {
      await withConflictRetry(async () => {
        const current = await core.readNode({ name });
        if (!current.metadata?.annotations?.[KWOK_ANNOTATION]) return;
        const annotations = { ...current.metadata.annotations };
        delete annotations[KWOK_ANNOTATION];
        current.metadata = { ...current.metadata, annotations };
        await core.replaceNode({ name, body: current });
      });
    } catch (error) {
      if (statusCode(error) === 404) return; // no Node (never joined, or already deleted): nothing to do
      throw error;
    }
    // kwok may still be writing a status it computed before it saw the annotation go: re-check a few times.
    for (let round = 0; round < 4 && !closed; round++) {
      let changed = false;
      await withConflictRetry(async () => {
        const current = await core.readNodeStatus({ name });
        const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status === 'Unknown') return;
        current.status = { ...current.status, conditions: unknownConditions(current.status?.conditions, new Date()) };
        await core.replaceNodeStatus({ name, body: current });
        changed = true;
      });
      if (!changed && round > 0) break;
      await sleep(250);
    }
    log(`VM ${vm.hostname} deleted: Node ${name} is no longer Ready (the Node itself is left for the autoscaler)`);
  }

  const report = (what: string) => (error: unknown) => {
    log(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  };

  return {
    onVmActive: (vm) => (accepts(vm) ? register(vm).catch(report(`registering Node ${vm.hostname} failed`)) : undefined),
    onVmDeleted: (vm) => (accepts(vm) ? markGone(vm).catch(report(`marking Node ${vm.hostname} NotReady failed`)) : undefined),
    async close() {
      closed = true;
    },
  };
}
