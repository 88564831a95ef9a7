import { describe, expect, it } from 'vitest';
import { settledBootstrapScripts } from './bootstrap-scripts.ts';

const HOUR_MS = 3_600_000;
const NOW = Date.UTC(2026, 0, 1, 12);
const script = (name: string, ageMs = 0) => ({ identifier: `id-${name}`, name, createdAtMs: NOW - ageMs });

describe('settledBootstrapScripts', () => {
  const scripts = [
    script('c1-workers-aaaaa-bootstrap'), // joined (Ready)
    script('c1-workers-bbbbb-bootstrap'), // VM still listed, not Ready: booting
    script('c1-workers-ccccc-bootstrap', 3 * HOUR_MS), // no VM, old: the launch failed
    script('c1-workers-ddddd-bootstrap', 10 * 60_000), // no VM yet, young: may still show up
    script('c1-workers-eeeee'), // not a bootstrap script
    script('c2-workers-fffff-bootstrap', 3 * HOUR_MS), // another cluster's pattern
  ];
  const view = (listing: string[] | null) => ({ nodeReady: (h: string) => h === 'c1-workers-aaaaa', vmHostnames: () => (listing ? new Set(listing) : null) });

  it('joined, or failed long ago; never a booting VM, a young launch, or another cluster', () => {
    const settled = settledBootstrapScripts(scripts, view(['c1-workers-aaaaa', 'c1-workers-bbbbb']), { hostnamePrefix: 'c1-', nowMs: NOW });
    expect(settled.map((s) => s.name)).toEqual(['c1-workers-aaaaa-bootstrap', 'c1-workers-ccccc-bootstrap']);
  });

  it('with no readable VM listing, only joined launches are settled', () => {
    const settled = settledBootstrapScripts(scripts, view(null), { hostnamePrefix: 'c1-', nowMs: NOW });
    expect(settled.map((s) => s.name)).toEqual(['c1-workers-aaaaa-bootstrap']);
  });
});
