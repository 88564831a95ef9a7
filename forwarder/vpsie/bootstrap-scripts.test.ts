import { describe, expect, it } from 'vitest';
import { BootstrapScriptSweeper, settledBootstrapScripts } from './bootstrap-scripts.ts';
import type { VpsieScript } from './types.ts';

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

describe('BootstrapScriptSweeper', () => {
  function fakeVpsie(names: string[]) {
    const stored: VpsieScript[] = names.map((n) => script(n));
    return {
      stored,
      lists: 0,
      async listScripts() {
        this.lists += 1;
        return stored.map((s) => ({ ...s }));
      },
      async deleteScript(identifier: string) {
        stored.splice(stored.findIndex((s) => s.identifier === identifier), 1);
      },
    };
  }

  it('lists nothing while no stored script is settled; deletes a script once its Node is Ready, without waiting for a launch', async () => {
    const vpsie = fakeVpsie(['c1-workers-aaaaa-bootstrap']);
    let ready = false;
    const sweeper = new BootstrapScriptSweeper(vpsie, { nodeReady: () => ready, vmHostnames: () => new Set(['c1-workers-aaaaa']) }, { hostnamePrefix: 'c1-', now: () => NOW });
    sweeper.noteStored('c1-workers-aaaaa');
    expect(await sweeper.sweepIfDue()).toEqual([]);
    expect(vpsie.lists).toBe(0);
    ready = true;
    expect(await sweeper.sweepIfDue()).toEqual(['c1-workers-aaaaa-bootstrap']);
    expect(vpsie.stored).toEqual([]);
    expect(sweeper.pending).toBe(0);
    expect(await sweeper.sweepIfDue()).toEqual([]);
    expect(vpsie.lists).toBe(1);
  });

  it('a launch that failed (no VM) is swept after the orphan age, not before', async () => {
    const vpsie = fakeVpsie(['c1-workers-bbbbb-bootstrap']);
    let now = NOW;
    vpsie.stored[0]!.createdAtMs = NOW;
    const sweeper = new BootstrapScriptSweeper(vpsie, { nodeReady: () => false, vmHostnames: () => new Set() }, { hostnamePrefix: 'c1-', now: () => now });
    sweeper.noteStored('c1-workers-bbbbb');
    now += HOUR_MS;
    expect(await sweeper.sweepIfDue()).toEqual([]);
    expect(vpsie.lists).toBe(0);
    now += 2 * HOUR_MS;
    expect(await sweeper.sweepIfDue()).toEqual(['c1-workers-bbbbb-bootstrap']);
  });
});
