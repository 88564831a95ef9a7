import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runTool } from '../harness/tools.ts';

// Renders the chart (real helm) and the kustomize base (real kustomize) into parsed objects.

export const REPO = join(import.meta.dirname, '..', '..');
export const CHART_DIR = join(REPO, 'infra', 'helm', 'vpsie-autoscaler');
export const BASE_DIR = join(REPO, 'infra', 'forwarder');
/** The Kubernetes version helm assumes (the harness's control plane). */
export const KUBE_VERSION = (process.env.K8S_VERSION ?? 'v1.35.4').replace(/^v/, '');

export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

export function parseObjects(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as KubeObject | null;
    if (value !== null) out.push(value);
  }
  return out;
}

export function objectKey(o: KubeObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
}

/** `helm template` of the chart; throws with helm's message on a non-zero exit. */
export async function helmTemplate(args: string[] = []): Promise<KubeObject[]> {
  const run = await runTool('helm', ['template', 'vpsie-autoscaler', CHART_DIR, '--kube-version', KUBE_VERSION, ...args]);
  if (run.code !== 0) throw new Error(`helm template failed (${run.code}): ${run.stderr.trim()}`);
  return parseObjects(run.stdout);
}

export async function kustomizeBuild(dir = BASE_DIR): Promise<KubeObject[]> {
  const run = await runTool('kustomize', ['build', dir]);
  if (run.code !== 0) throw new Error(`kustomize build failed (${run.code}): ${run.stderr.trim()}`);
  return parseObjects(run.stdout);
}
