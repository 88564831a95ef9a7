import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIGNING_KEY, ensureNodeGroupCrd, newClusterId, startTestForwarder } from '../forwarder/fixture.ts';
import { startFakeFunctions, type FakeFunctions } from '../forwarder/fake-functions.ts';
import { useHarness, waitFor } from '../harness/context.ts';
import type { ForwarderHandle } from '../../forwarder/main.ts';
import { exportedNames, metricNames, SCRAPE_SERIES, shippedQueries } from './promql-names.ts';

// Every series the dashboard (infra/grafana/) and the alert rules (infra/prometheus/) query must be
// exported by a real forwarder: one is started on the harness control plane, reconciles once, and
// its /metrics is scraped. A query naming anything else (a typo, a renamed metric) fails here.

describe('dashboard and alert queries name exported series', () => {
  let fake: FakeFunctions;
  let forwarder: ForwarderHandle | undefined;

  beforeEach(async () => {
    const h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    const clusterId = newClusterId();
    fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
    forwarder = await startTestForwarder({ namespace: await h.newNamespace('series'), clusterId, fake, kubeconfigPath: h.info.kubeconfigPath });
  });
  afterEach(async () => {
    await forwarder?.stop();
    await fake.stop();
  });

  it('finds every queried series on a running forwarder /metrics', async () => {
    await forwarder!.waitForSynced();
    forwarder!.trigger();
    await waitFor(() => fake.snapshots.length > 0, { timeoutMs: 30_000, description: 'a snapshot delivered' });
    const text = await waitFor(async () => {
      const body = await (await fetch(`${forwarder!.url}/metrics`)).text();
      return /^vpsie_autoscaler_forwarder_reconciles_total\{outcome="plan"\} [1-9]/m.test(body) ? body : undefined;
    }, { timeoutMs: 30_000, description: 'a plan counted on /metrics' });
    const exported = exportedNames(text);
    expect(exported.size).toBeGreaterThan(40);

    const unknown: string[] = [];
    const queries = shippedQueries();
    for (const { where, expr } of queries) {
      for (const name of metricNames(expr)) if (!exported.has(name) && !SCRAPE_SERIES.has(name)) unknown.push(`${where}: ${name}`);
    }
    expect(unknown).toEqual([]);
    expect(queries.length).toBeGreaterThan(40);
    // Counters dashboards rate() are there at zero before anything happened.
    expect(text).toMatch(/^vpsie_autoscaler_forwarder_commands_total\{kind="createVm",outcome="failed"\} 0$/m);
  });
});
