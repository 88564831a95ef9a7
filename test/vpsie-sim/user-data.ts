import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';

// Reads what a real VM's kubelet would be started with from the base64 cloud-init user-data the create
// request carried: `--node-labels`, `--register-with-taints`, `--max-pods`, `--kube-reserved`,
// `--system-reserved`, `--eviction-hard`. The flags are looked for anywhere in the text — a shell
// script, `runcmd`, `KUBELET_EXTRA_ARGS` in a written file, kubeadm `kubeletExtraArgs` — including files
// that cloud-init would decode from `encoding: b64` / `gz+b64`. A KubeletConfiguration written by
// cloud-init is read too (maxPods, kubeReserved, systemReserved, evictionHard, registerWithTaints).
// Flags inside comment lines are ignored, as a real VM would ignore them.

export type KubeletTaint = { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' };

export type KubeletSettings = {
  labels: Record<string, string>;
  taints: KubeletTaint[];
  maxPods: number | undefined;
  kubeReserved: Record<string, string>;
  systemReserved: Record<string, string>;
  evictionHard: Record<string, string>;
};

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

export function decodeUserData(base64: string | null | undefined): string {
  if (!base64) return '';
  const bytes = Buffer.from(base64, 'base64');
  // gzip magic: cloud-init accepts compressed user-data
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
}

/** The texts cloud-init would act on: the user-data itself plus decoded write_files contents. */
function texts(userData: string): string[] {
  const out = [userData];
  if (!/^#cloud-config/m.test(userData)) return out;
  for (const doc of safeYaml(userData)) {
    const files = (doc as { write_files?: unknown })?.write_files;
    if (!Array.isArray(files)) continue;
    for (const file of files as Array<{ content?: unknown; encoding?: unknown }>) {
      if (typeof file?.content !== 'string') continue;
      const encoding = String(file.encoding ?? '').toLowerCase();
      if (encoding === 'b64' || encoding === 'base64') out.push(Buffer.from(file.content, 'base64').toString('utf8'));
      else if (encoding === 'gz+b64' || encoding === 'gzip+base64' || encoding === 'gz+base64') out.push(gunzipSync(Buffer.from(file.content, 'base64')).toString('utf8'));
      else out.push(file.content);
    }
  }
  return out;
}

function safeYaml(text: string): unknown[] {
  try {
    return parseAllDocuments(text).map((d) => d.toJS());
  } catch {
    return [];
  }
}

/** Every value of `--name=value` / `--name value` (quotes stripped), and of kubeletExtraArgs `name: value`. */
function flagValues(text: string, name: string): string[] {
  const values: string[] = [];
  const flag = new RegExp(`--${name}(?:=|\\s+)("([^"]*)"|'([^']*)'|([^\\s"'\\\\]+))`, 'g');
  for (const m of text.matchAll(flag)) values.push(m[2] ?? m[3] ?? m[4] ?? '');
  // kubeadm kubeletExtraArgs as a map (v1beta3): `node-labels: "a=b"`
  const mapStyle = new RegExp(`^\\s*${name}:\\s*("([^"]*)"|'([^']*)'|(\\S+))\\s*$`, 'gm');
  for (const m of text.matchAll(mapStyle)) values.push(m[2] ?? m[3] ?? m[4] ?? '');
  // kubeadm v1beta4 list style: `- name: node-labels` followed by `value: …`
  const listStyle = new RegExp(`-\\s*name:\\s*["']?${name}["']?\\s*\\n\\s*value:\\s*("([^"]*)"|'([^']*)'|(\\S+))`, 'g');
  for (const m of text.matchAll(listStyle)) values.push(m[2] ?? m[3] ?? m[4] ?? '');
  return values;
}

/** "a=b,c=d" → { a: 'b', c: 'd' }; for eviction thresholds "memory.available<100Mi" too. */
function keyValues(list: string, separator: RegExp = /=/): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list.split(',')) {
    const trimmed = item.trim();
    if (!trimmed) continue;
    const [key, ...rest] = trimmed.split(separator);
    if (key) out[key.trim()] = rest.join('=').trim();
  }
  return out;
}

function parseTaints(list: string): KubeletTaint[] {
  const taints: KubeletTaint[] = [];
  for (const item of list.split(',')) {
    const m = item.trim().match(/^([^=:]+)(?:=([^:]*))?:(\w+)$/);
    if (!m || !EFFECTS.has(m[3]!)) continue;
    taints.push({ key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3] as KubeletTaint['effect'] });
  }
  return taints;
}

function kubeletConfiguration(allTexts: string[]): Record<string, unknown> | undefined {
  for (const text of allTexts) {
    for (const doc of safeYaml(text)) {
      if ((doc as { kind?: unknown })?.kind === 'KubeletConfiguration') return doc as Record<string, unknown>;
    }
  }
  return undefined;
}

const stringMap = (v: unknown): Record<string, string> =>
  typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};

/** Comment lines (shell and YAML) do nothing on a real VM, so flags written there do not count. */
function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
}

export function kubeletSettingsFromUserData(base64: string | null | undefined): KubeletSettings {
  const allTexts = texts(decodeUserData(base64));
  const all = (name: string) => allTexts.flatMap((t) => flagValues(withoutComments(t), name));
  const config = kubeletConfiguration(allTexts);

  const labels = Object.assign({}, ...all('node-labels').map((v) => keyValues(v))) as Record<string, string>;
  const configTaints = Array.isArray(config?.['registerWithTaints'])
    ? (config['registerWithTaints'] as KubeletTaint[]).filter((t) => t?.key && EFFECTS.has(t.effect))
    : [];
  const taints = [...configTaints, ...all('register-with-taints').flatMap(parseTaints)];
  const maxPodsFlag = all('max-pods').map(Number).find((n) => Number.isInteger(n) && n > 0);
  const maxPodsConfig = typeof config?.['maxPods'] === 'number' ? config['maxPods'] : undefined;
  return {
    labels,
    taints: dedupeTaints(taints),
    maxPods: maxPodsFlag ?? maxPodsConfig,
    kubeReserved: { ...stringMap(config?.['kubeReserved']), ...Object.assign({}, ...all('kube-reserved').map((v) => keyValues(v))) },
    systemReserved: { ...stringMap(config?.['systemReserved']), ...Object.assign({}, ...all('system-reserved').map((v) => keyValues(v))) },
    evictionHard: { ...stringMap(config?.['evictionHard']), ...Object.assign({}, ...all('eviction-hard').map((v) => keyValues(v, /</))) },
  };
}

function dedupeTaints(taints: KubeletTaint[]): KubeletTaint[] {
  const seen = new Map<string, KubeletTaint>();
  for (const t of taints) seen.set(`${t.key}:${t.effect}`, t);
  return [...seen.values()];
}
