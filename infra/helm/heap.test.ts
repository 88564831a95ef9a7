import { describe, expect, it } from 'vitest';
import { forwarderImageRuntime } from '../../test/bench/image-runtime.ts';
import { helmTemplate, kustomizeBuild, type KubeObject } from '../../test/observability/render.ts';

// One setting sizes the forwarder's memory: the container's memory limit. The chart derives the V8
// heap from it (heapPercent, 50 %, of resources.limits.memory → NODE_OPTIONS=--max-old-space-size),
// the kustomize base carries the same pair, and the image's default NODE_OPTIONS is the rule applied
// to the chart's default limit (docs/sizing.md).

type Container = { env?: Array<{ name: string; value?: string }>; resources: { limits: { memory: string } } };

function forwarder(objects: KubeObject[]): Container {
  const deployment = objects.find((o) => o.kind === 'Deployment') as KubeObject & { spec: { template: { spec: { containers: Container[] } } } };
  return deployment.spec.template.spec.containers[0]!;
}

const heapOf = (c: Container) => Number(/^--max-old-space-size=(\d+)$/.exec(c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '')?.[1] ?? NaN);
const mib = (quantity: string) => Number(quantity.replace(/(Mi|Gi)$/, '')) * (quantity.endsWith('Gi') ? 1024 : 1);
const chart = (...set: string[]) => helmTemplate(['--set', 'clusterId=c1', '--set', 'functionsUrl=https://fn.example.com', ...set.flatMap((s) => ['--set', s])]);

describe('the forwarder heap follows its memory limit', () => {
  it('is half the limit in the chart, whatever the limit', async () => {
    for (const [memory, heapMiB] of [['192Mi', 96], ['256Mi', 128], ['512Mi', 256], ['1Gi', 512]] as const) {
      const container = forwarder(await chart(`resources.limits.memory=${memory}`));
      expect({ memory, limit: container.resources.limits.memory, heap: heapOf(container) }).toEqual({ memory, limit: memory, heap: heapMiB });
    }
    expect(heapOf(forwarder(await chart('resources.limits.memory=1Gi', 'heapPercent=60')))).toBe(614);
  });

  it('is the same pair in the kustomize base and in the image default', async () => {
    const base = forwarder(await kustomizeBuild());
    const chartDefault = forwarder(await chart());
    expect(heapOf(base)).toBe(mib(base.resources.limits.memory) / 2);
    expect(heapOf(chartDefault)).toBe(mib(chartDefault.resources.limits.memory) / 2);
    expect(forwarderImageRuntime().env.NODE_OPTIONS).toBe(`--max-old-space-size=${heapOf(chartDefault)}`);
  });

  it('refuses a limit it cannot size the heap from, naming it', async () => {
    await expect(chart('resources.limits.memory=1.5Gi')).rejects.toThrow(/resources\/limits\/memory/);
    await expect(chart('resources.limits.memory=200M')).rejects.toThrow(/resources\/limits\/memory/);
    await expect(chart('heapPercent=90')).rejects.toThrow(/heapPercent/);
  });
});
