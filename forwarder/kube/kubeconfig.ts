import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

// Which kubeconfig files, and how several become one, as kubectl (client-go's clientcmd) does it:
// - --kubeconfig names one file, read alone;
// - otherwise every file of $KUBECONFIG (':'-separated; ';' on Windows), in order, files that do not
//   exist skipped; without $KUBECONFIG, ~/.kube/config;
// - merged per key: the first file that defines a cluster, user or context of a name wins (a later
//   one never changes it), and current-context comes from the first file that sets it;
// - relative paths inside a file (certificate-authority, client-certificate, client-key, tokenFile,
//   an exec command with a '/') are relative to that file, so they are made absolute while merging.

export interface Named {
  name: string;
  [key: string]: unknown;
}

export interface KubeconfigDoc {
  'current-context'?: string;
  contexts: Named[];
  clusters: Named[];
  users: Named[];
  [key: string]: unknown;
}

/** The files to read, in order (they may not exist; the caller skips those). */
export function kubeconfigFiles(path: string | undefined, env: Record<string, string | undefined>): string[] {
  if (path) return [path];
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return listed.length > 0 ? [...new Set(listed)] : [join(homedir(), '.kube', 'config')];
}

/** The existing files among `files`, merged; undefined when none exists. */
export function readKubeconfigs(files: readonly string[]): { doc: KubeconfigDoc; files: string[] } | undefined {
  const present = files.filter((file) => existsSync(file));
  if (present.length === 0) return undefined;
  return { doc: mergeKubeconfigs(present.map((file) => ({ file, doc: parse(readFileSync(file, 'utf8')) as unknown }))), files: present };
}

const CLUSTER_PATHS = ['certificate-authority'];
const USER_PATHS = ['client-certificate', 'client-key', 'tokenFile'];

/** kubectl's merge of several kubeconfig documents (pure; `file` only resolves relative paths). */
export function mergeKubeconfigs(inputs: ReadonlyArray<{ file: string; doc: unknown }>): KubeconfigDoc {
  const merged: KubeconfigDoc = { contexts: [], clusters: [], users: [] };
  const seen = { contexts: new Set<string>(), clusters: new Set<string>(), users: new Set<string>() };
  for (const { file, doc } of inputs) {
    if (!doc || typeof doc !== 'object') continue; // an empty file is an empty config
    const config = doc as Record<string, unknown>;
    const current = config['current-context'];
    if (merged['current-context'] === undefined && typeof current === 'string' && current) merged['current-context'] = current;
    const base = dirname(file);
    for (const list of ['contexts', 'clusters', 'users'] as const) {
      const entries = Array.isArray(config[list]) ? (config[list] as unknown[]) : [];
      for (const entry of entries) {
        if (!entry || typeof entry !== 'object' || typeof (entry as Named).name !== 'string') continue;
        const named = entry as Named;
        if (seen[list].has(named.name)) continue;
        seen[list].add(named.name);
        merged[list].push(list === 'clusters' ? withAbsolutePaths(named, 'cluster', CLUSTER_PATHS, base) : list === 'users' ? withAbsolutePaths(named, 'user', USER_PATHS, base) : named);
      }
    }
  }
  return merged;
}

function withAbsolutePaths(entry: Named, field: 'cluster' | 'user', keys: readonly string[], base: string): Named {
  const body = entry[field];
  if (!body || typeof body !== 'object') return entry;
  const resolved: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const absolute = (path: string) => (isAbsolute(path) ? path : join(base, path));
  for (const key of keys) if (typeof resolved[key] === 'string' && resolved[key]) resolved[key] = absolute(resolved[key] as string);
  const exec = resolved.exec as { command?: unknown } | undefined;
  if (exec && typeof exec.command === 'string' && exec.command.includes('/')) resolved.exec = { ...exec, command: absolute(exec.command) };
  return { ...entry, [field]: resolved };
}
