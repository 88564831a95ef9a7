import { execFileSync } from 'node:child_process';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../../harness/control-plane.ts';
import { BURSTS, podCount, type Burst } from './bursts.ts';
import { benchPlans, type BenchPlan } from './catalogue.ts';
import { startKarpenter } from './karpenter.ts';
import { runBurst, type RunResult, type SystemUnderTest } from './measure.ts';
import { optimumFleet, type Optimum } from './optimum.ts';
import { startOurs } from './ours.ts';
import { printTable, targetFigures, type Figure } from './report.ts';

// `npm run bench -- karpenter`: this project and Karpenter (kwok provider, built from Go modules by
// build-karpenter.sh) on the same bursts (bursts.ts) and catalogue (catalogue.ts), each burst on a fresh
// control plane per system and run, BENCH_KARPENTER_RUNS runs each (default 3), judged against the
// exact optimum (optimum.ts).
// BENCH_KARPENTER_BURSTS / BENCH_KARPENTER_SYSTEMS (ours,karpenter) pick a subset. docs/benchmark-karpenter.md.

const RUNS = Number(process.env.BENCH_KARPENTER_RUNS ?? 3);
const UP_TIMEOUT_MS = Number(process.env.BENCH_KARPENTER_UP_TIMEOUT_S ?? 300) * 1000;
const DOWN_TIMEOUT_MS = Number(process.env.BENCH_KARPENTER_DOWN_TIMEOUT_S ?? 300) * 1000;
const NAMESPACE = 'bench';
const pick = (env: string | undefined) => (env ? env.split(',').map((s) => s.trim()) : undefined);

const say = (line: string) => process.stdout.write(`karpenter bench: ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Starter = (cp: ControlPlane, kc: KubeConfig) => Promise<{ system: SystemUnderTest; stop: () => Promise<void> }>;

function buildKarpenter(): string {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'build-karpenter.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').at(-1)!;
}

async function emptyNamespace(core: CoreV1Api): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } }).catch(() => {});
  for (let i = 0; i < 120 && (await core.listNamespacedPod({ namespace: NAMESPACE })).items.length > 0; i++) await sleep(1_000);
}

async function runSystem(label: string, start: Starter, burst: Burst, plans: BenchPlan[]): Promise<RunResult[]> {
  const results: RunResult[] = [];
  let cp: ControlPlane | undefined;
  let sut: Awaited<ReturnType<Starter>> | undefined;
  try {
    for (let run = 1; run <= RUNS; run++) {
      if (!cp) {
        say(`${label} ${burst.name}: starting a fresh control plane`);
        cp = await startControlPlane();
        const kc = new KubeConfig();
        kc.loadFromFile(cp.kubeconfigPath);
        sut = await start(cp, kc);
      }
      const kc = new KubeConfig();
      kc.loadFromFile(cp.kubeconfigPath);
      await emptyNamespace(kc.makeApiClient(CoreV1Api));
      say(`${label} ${burst.name}: run ${run}/${RUNS} (${podCount(burst)} pods)`);
      const result = await runBurst(sut!.system, burst, plans, { kc, namespace: NAMESPACE, upTimeoutMs: UP_TIMEOUT_MS, downTimeoutMs: DOWN_TIMEOUT_MS, log: say });
      say(`${label} ${burst.name}: run ${run} fleet ${result.fingerprint} ($${result.pricePerHour.toFixed(3)}/h) ${result.notes.join(', ')}`);
      results.push(result);
      // IMPORTANT: every run on a fresh control plane and stack, so the runs are independent: on one,
      // the forwarder's ledger still holds the earlier runs' launches, and with its default of 50 launches
      // per 10 minutes the second ~30-node burst within minutes got 22 nodes and the third waited 3 min.
      if (run < RUNS) {
        await sut!.stop().catch((e: unknown) => say(`stop failed: ${String(e)}`));
        await cp.stop();
        sut = undefined;
        cp = undefined;
      }
    }
  } finally {
    await sut?.stop().catch((e: unknown) => say(`stop failed: ${String(e)}`));
    await cp?.stop();
  }
  return results;
}

/** What was measured: the commit, how far the working tree is from it, the machine's load. */
function provenance(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let tree = 'not a git checkout';
  try {
    const changed = git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean).length;
    tree = `commit ${git('rev-parse', '--short', 'HEAD')}${changed > 0 ? ` + ${changed} uncommitted file(s) in the working tree` : ''}`;
  } catch { /* keep the default */ }
  return `${tree}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${cpus().length} CPUs`;
}

export async function run(): Promise<Figure[]> {
  const startedMs = Date.now();
  say(`start ${new Date(startedMs).toISOString()}: ${provenance()}`);
  const plans = benchPlans();
  const bursts = BURSTS.filter((b) => pick(process.env.BENCH_KARPENTER_BURSTS)?.includes(b.name) ?? true);
  const systems = pick(process.env.BENCH_KARPENTER_SYSTEMS) ?? ['ours', 'karpenter'];
  const optimum = new Map<string, Optimum>();
  for (const burst of bursts) {
    const t = Date.now();
    const o = optimumFleet(burst.classes, plans);
    optimum.set(burst.name, o);
    say(`optimum of ${burst.name}: $${o.pricePerHour.toFixed(3)}/h, ${o.nodes} nodes (${Object.entries(o.fleet).map(([k, n]) => `${n}×${k}`).join(' + ')}); ${o.patterns} patterns, ${o.states} states, ${Date.now() - t} ms`);
  }

  const starters: Array<[string, Starter]> = [];
  if (systems.includes('ours')) starters.push(['this project', (cp) => startOurs(cp.kubeconfigPath, plans, () => {})]);
  let karpenterProblem: string | undefined;
  if (systems.includes('karpenter')) {
    try {
      const buildDir = buildKarpenter();
      starters.push(['Karpenter', (cp, kc) => startKarpenter(kc, cp.kubeconfigPath, buildDir, plans, say)]);
    } catch (error) {
      karpenterProblem = `Karpenter could not be built: ${String(error)}`;
      say(karpenterProblem);
    }
  }
  const results = new Map<string, Map<string, RunResult[]>>();
  for (const [label, start] of starters) {
    const perBurst = new Map<string, RunResult[]>();
    results.set(label, perBurst);
    for (const burst of bursts) {
      try {
        perBurst.set(burst.name, await runSystem(label, start, burst, plans));
      } catch (error) {
        say(`${label} ${burst.name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        perBurst.set(burst.name, []);
      }
    }
  }
  printTable(bursts, optimum, results, say);
  say(`end ${new Date().toISOString()} (${((Date.now() - startedMs) / 60_000).toFixed(1)} min): ${provenance()}`);
  if (karpenterProblem) say(karpenterProblem);
  return targetFigures(bursts, optimum, results);
}
