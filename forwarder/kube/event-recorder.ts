import { randomBytes } from 'node:crypto';
import { API_GROUP, API_VERSION, NODEGROUP_KIND } from '../../shared/labels.ts';
import type { Clock } from '../util/clock.ts';
import { formatMicroTime } from './micro-time.ts';
import { KubeApiError, type KubeHttp } from './kube-http.ts';

// Kubernetes Events (events.k8s.io/v1) about NodeGroups, Nodes and Pods: what `kubectl describe`
// and `kubectl get events` show people.
//
// Aggregation as client-go's event library does it: the same event (same object, type, reason and
// note) recorded again within SERIES_WINDOW_MS updates the first one's `series` (count and
// lastObservedTime; `kubectl describe` shows "(x6 over 50m)") instead of adding another object. The
// planner already holds back repeats (functions/planning/pod-events.ts); this folds the ones it sends.
// The memory is the forwarder's own and bounded (a restart only means one new Event object).

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

/** Below the API server's default event TTL (1 h), so the Event to update usually still exists. */
export const SERIES_WINDOW_MS = 50 * 60_000;
const MAX_SERIES = 2_000;

interface Series { namespace: string; name: string; count: number; firstMs: number }

const API_VERSIONS: Record<InvolvedKind, string> = { NodeGroup: `${API_GROUP}/${API_VERSION}`, Pod: 'v1', Node: 'v1' };

export class EventRecorder {
  private readonly series = new Map<string, Series>();

  constructor(private readonly kube: KubeHttp, private readonly reportingInstance: string, private readonly clock: Clock) {}

  async record(spec: EventSpec): Promise<void> {
    const { involved } = spec;
    // Events about cluster-scoped objects (Nodes) live in "default", as the kubelet's do.
    const namespace = involved.kind === 'Node' ? 'default' : involved.namespace ?? 'default';
    const nowMs = this.clock.now();
    const key = JSON.stringify([involved.kind, namespace, involved.name, spec.type, spec.reason, spec.action ?? '', spec.note.slice(0, 1024)]);
    const earlier = this.series.get(key);
    if (earlier && nowMs - earlier.firstMs < SERIES_WINDOW_MS && (await this.addToSeries(earlier, nowMs))) {
      this.remember(key, earlier);
      return;
    }
    const name = `${involved.name}.${nowMs.toString(16)}${randomBytes(3).toString('hex')}`;
    await this.create(spec, namespace, name, nowMs);
    this.remember(key, { namespace, name, count: 1, firstMs: nowMs });
  }

  /** false when the Event is gone (expired or deleted): a new one is created. */
  private async addToSeries(series: Series, nowMs: number): Promise<boolean> {
    try {
      await this.kube.request({
        method: 'PATCH',
        path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(series.namespace)}/events/${encodeURIComponent(series.name)}`,
        body: { series: { count: series.count + 1, lastObservedTime: formatMicroTime(nowMs) } },
        contentType: 'application/merge-patch+json',
      });
      series.count += 1;
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  private remember(key: string, series: Series): void {
    this.series.delete(key);
    this.series.set(key, series);
    if (this.series.size > MAX_SERIES) this.series.delete(this.series.keys().next().value!);
  }

  private async create(spec: EventSpec, namespace: string, name: string, nowMs: number): Promise<void> {
    const { involved } = spec;
    const uid = await this.uidOf(involved).catch(() => undefined);
    await this.kube.request({
      method: 'POST',
      path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
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
