import { NODEGROUP_DEFAULTS, parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import type { RawGroup } from './setup.ts';

// The NodeGroup settings a simulation runs with that are not the product's defaults (scale-up,
// scale-down, disruption): the report prints them, so a figure is never read as the defaults'
// when a trace or a dump changed the timers or the consolidation rules.

const SECTIONS = ['scaleUpPolicy', 'scaleDownPolicy', 'disruption'] as const;

export function configDifferences(groups: readonly RawGroup[]): string[] {
  const out: string[] = [];
  for (const group of groups) {
    const spec = parseNodeGroupSpec(group.spec) as unknown as Record<string, Record<string, unknown>>;
    for (const section of SECTIONS) {
      const defaults = NODEGROUP_DEFAULTS[section] as Record<string, unknown>;
      for (const [key, value] of Object.entries(spec[section] ?? {})) {
        if (JSON.stringify(value) !== JSON.stringify(defaults[key])) {
          out.push(`${group.namespace}/${group.name}: ${section}.${key}=${JSON.stringify(value)} (default ${JSON.stringify(defaults[key])})`);
        }
      }
    }
  }
  return out;
}
