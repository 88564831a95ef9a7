import type { CoreV1Event, CoreV1Api } from '@kubernetes/client-node';

// Reading what the product shows an operator: Prometheus text from the forwarder's /metrics, and the
// Kubernetes Events it writes.

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (what prom-client serves); comments are skipped. */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    const rawLabels = match[3];
    if (rawLabels) {
      for (const m of rawLabels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    samples.push({ name: match[1]!, labels, value: Number(match[4]) });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function metricValue(samples: MetricSample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

export async function fetchMetrics(url: string): Promise<MetricSample[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return parsePrometheusText(await response.text());
}

export interface EventSummary {
  reason: string;
  type: string;
  message: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  count: number;
  firstMs: number;
}

function eventTimeMs(event: CoreV1Event): number {
  const t = event.eventTime ?? event.firstTimestamp ?? event.lastTimestamp ?? event.metadata.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : 0;
}

export function summarizeEvent(event: CoreV1Event): EventSummary {
  return {
    reason: event.reason ?? '',
    type: event.type ?? '',
    message: event.message ?? '',
    kind: event.involvedObject.kind ?? '',
    name: event.involvedObject.name ?? '',
    namespace: event.involvedObject.namespace,
    count: event.count ?? 1,
    firstMs: eventTimeMs(event),
  };
}

/** Core v1 Events of a namespace (or all namespaces), oldest first. */
export async function listEvents(core: CoreV1Api, namespace?: string): Promise<EventSummary[]> {
  const list = namespace ? await core.listNamespacedEvent({ namespace }) : await core.listEventForAllNamespaces();
  return list.items.map(summarizeEvent).sort((a, b) => a.firstMs - b.firstMs);
}
