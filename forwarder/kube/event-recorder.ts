import { randomBytes } from 'node:crypto';
import { API_GROUP, API_VERSION, NODEGROUP_KIND } from '../../shared/labels.ts';
import type { Clock } from '../util/clock.ts';
import { formatMicroTime } from './micro-time.ts';
import type { KubeHttp } from './kube-http.ts';

// Kubernetes Events (events.k8s.io/v1) about NodeGroups, Nodes and Pods: what `kubectl describe`
// and `kubectl get events` show people.

export const REPORTING_CONTROLLER = 'autoscaler.vpsie.com/forwarder';

export type InvolvedKind = 'NodeGroup' | 'Pod' | 'Node';

export interface EventSpec {
  involved: { kind: InvolvedKind; namespace?: string; name: string };
  type: 'Normal' | 'Warning';
  /** CamelCase reason, e.g. ScaleUpTriggered. */
  reason: string;
  /** What was done or attempted, e.g. CreateVM; defaults to the reason. */
  action?: string;
  note: string;
}

const API_VERSIONS: Record<InvolvedKind, string> = { NodeGroup: `${API_GROUP}/${API_VERSION}`, Pod: 'v1', Node: 'v1' };

export class EventRecorder {
  constructor(private readonly kube: KubeHttp, private readonly reportingInstance: string, private readonly clock: Clock) {}

  async record(spec: EventSpec): Promise<void> {
    const { involved } = spec;
    // Events about cluster-scoped objects (Nodes) live in "default", as the kubelet's do.
    const namespace = involved.kind === 'Node' ? 'default' : involved.namespace ?? 'default';
    const uid = await this.uidOf(involved).catch(() => undefined);
    const nowMs = this.clock.now();
    await this.kube.request({
      method: 'POST',
      path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: `${involved.name}.${nowMs.toString(16)}${randomBytes(3).toString('hex')}`, namespace },
        eventTime: formatMicroTime(nowMs),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.reportingInstance.slice(0, 128),
        action: (spec.action ?? spec.reason).slice(0, 128),
        reason: spec.reason.slice(0, 128),
        note: spec.note.slice(0, 1024),
        type: spec.type,
        regarding: {
          apiVersion: API_VERSIONS[involved.kind],
          kind: involved.kind === 'NodeGroup' ? NODEGROUP_KIND : involved.kind,
          name: involved.name,
          ...(involved.kind === 'Node' ? {} : { namespace }),
          ...(uid ? { uid } : {}),
        },
      },
    });
  }

  /** The uid lets `kubectl describe` find the event. */
  private async uidOf(involved: EventSpec['involved']): Promise<string | undefined> {
    const ns = encodeURIComponent(involved.namespace ?? 'default');
    const name = encodeURIComponent(involved.name);
    const path = involved.kind === 'Node'
      ? `/api/v1/nodes/${name}`
      : involved.kind === 'Pod'
        ? `/api/v1/namespaces/${ns}/pods/${name}`
        : `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/nodegroups/${name}`;
    const object = await this.kube.request<{ metadata?: { uid?: string } }>({ method: 'GET', path });
    return object.metadata?.uid;
  }
}
