import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommandLine, textOptions, runCommandLine, type OptionValues } from '../../shared/command-line.ts';
import { PlanInputError } from '../plan/input-error.ts';
import { readOfferings } from '../plan/offerings.ts';
import { SimulateInputError } from '../simulate/input-error.ts';
import { renderPlotSvg } from '../simulate/plot.ts';
import { svgToPng } from '../simulate/plot-png.ts';
import { renderTable, toJson } from '../simulate/report.ts';
import { buildGroups, groupsFromCluster, traceGroups } from '../simulate/setup.ts';
import { runSimulation } from '../simulate/simulate.ts';
import { readAuditTrace } from '../simulate/from-audit.ts';
import { readTrace, type Trace } from '../simulate/trace.ts';

// `vpsie-autoscaler simulate`: replays a workload trace through the real planning core and compares
// it with a static fleet and a Cluster-Autoscaler-like policy (docs/simulate.md).
// Exit 0 with the report; exit 2 and one line on stderr for bad input.

/** The small illustrative catalogue used when no --offerings is given (documented in docs/simulate.md). */
export const DEFAULT_OFFERINGS = join(import.meta.dirname, '..', '..', 'examples', 'offerings.json');

const USAGE = `usage: vpsie-autoscaler simulate (--trace <file.yaml> | --from-audit <log>) [--save-trace <out.yaml>] [--cluster <dump.yaml>] [--offerings <file.json>] [--plot <out.svg|out.png>] [--output table|json] [--seed <n>]

  --trace <file>       the workload trace (docs/simulate.md; examples in examples/traces/)
  --from-audit <file>  a recorded day instead: the functions' log (its audit demand lines) turned into a trace; NodeGroups from the log, else --cluster
  --save-trace <file>  write the trace --from-audit made (YAML) for editing or replaying with --trace
  --cluster <file>     a cluster dump (kubectl get nodes,pods,ng -A -o yaml): its NodeGroups instead of the trace's, its Nodes and Pods as the starting state
  --offerings <file>   the VPSie plan list {"data":[{identifier,cpu,ram,ssd,price}]} (default examples/offerings.json, illustrative prices)
  --plot <out.svg|png> draw requested vs capacity, nodes by offering and cost over time (SVG, or PNG by the file name)
  --output table|json  default table; both end with the summary
  --seed <n>           seed of the launch delays (default: the trace's seed, else 1)
`;

export interface SimulateIo { stdout: (text: string) => void; stderr: (text: string) => void }

const processIo: SimulateIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

const SIMULATE_LINE = defineCommandLine({
  name: 'vpsie-autoscaler simulate',
  usage: USAGE,
  usageOnError: false,
  options: {
    ...textOptions('trace', 'from-audit', 'save-trace', 'cluster', 'offerings', 'plot'),
    output: { type: 'string', choices: ['json', 'table'], default: 'table' },
    seed: { type: 'number', integer: true, min: 0 },
  },
  check: (v) => [
    ...(v.trace && v['from-audit'] ? ['--trace and --from-audit: give one of them'] : v.trace || v['from-audit'] ? [] : ['--trace <file.yaml> or --from-audit <log> is required']),
    ...(v['save-trace'] !== undefined && !v['from-audit'] ? ['--save-trace writes the trace --from-audit makes: give --from-audit'] : []),
    ...(v.plot === undefined || /\.(svg|png)$/i.test(v.plot) ? [] : [`--plot writes SVG or PNG: the file name must end in .svg or .png, not "${v.plot}"`]),
  ],
});

type SimulateOptions = OptionValues<typeof SIMULATE_LINE.options>;

export async function runSimulate(args: string[], io: SimulateIo): Promise<number> {
  return runCommandLine(SIMULATE_LINE, args, (options) => simulate(options as SimulateOptions, io), io);
}

async function simulate(options: SimulateOptions, io: SimulateIo): Promise<number> {
  const source = options.trace ?? options['from-audit']!;
  const trace: Trace = options.trace ? readTrace(options.trace) : fromAudit(options['from-audit']!, options['save-trace']);
  let offerings;
  try {
    offerings = readOfferings(options.offerings ?? DEFAULT_OFFERINGS);
  } catch (error) {
    if (error instanceof PlanInputError) throw new SimulateInputError(error.message, { cause: error });
    throw error;
  }
  if (!options.cluster && !trace.nodeGroups?.length && !options.trace) throw new SimulateInputError(`--from-audit ${source}: the log names no NodeGroups; give them with --cluster <dump.yaml>`);
  const groups = options.cluster ? groupsFromCluster(options.cluster) : traceGroups(trace);
  buildGroups(groups, offerings); // every problem with the groups before anything runs
  const seed = options.seed !== undefined ? Number(options.seed) : trace.seed ?? 1;
  const report = runSimulation({ trace, groups, offerings, seed, ...(options.cluster ? { clusterDump: options.cluster } : {}) });
  if (options.plot) {
    try {
      const svg = renderPlotSvg(report, `vpsie-autoscaler simulate ${options.trace ? '' : '--from-audit '}${source} (seed ${seed})`);
      writeFileSync(options.plot, /\.png$/i.test(options.plot) ? svgToPng(svg).png : svg);
    } catch (error) {
      throw new SimulateInputError(`cannot write --plot ${options.plot}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
  }
  io.stdout(options.output === 'json' ? toJson(report) : renderTable(report));
  return 0;
}

function fromAudit(path: string, saveTo: string | undefined): Trace {
  const { trace, yaml } = readAuditTrace(path);
  if (saveTo !== undefined) {
    try {
      writeFileSync(saveTo, yaml);
    } catch (error) {
      throw new SimulateInputError(`cannot write --save-trace ${saveTo}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
  }
  return trace;
}

export async function run(args: string[]): Promise<number> {
  return runSimulate(args, processIo);
}
