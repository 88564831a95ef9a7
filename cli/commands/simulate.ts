import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PlanInputError } from '../plan/input-error.ts';
import { readOfferings } from '../plan/offerings.ts';
import { SimulateInputError } from '../simulate/input-error.ts';
import { renderPlotSvg } from '../simulate/plot.ts';
import { svgToPng } from '../simulate/plot-png.ts';
import { renderTable, toJson } from '../simulate/report.ts';
import { buildGroups, groupsFromCluster, traceGroups } from '../simulate/setup.ts';
import { runSimulation } from '../simulate/simulate.ts';
import { readTrace } from '../simulate/trace.ts';

// `vpsie-autoscaler simulate`: replays a workload trace through the real planning core and compares
// it with a static fleet and a Cluster-Autoscaler-like policy (docs/simulate.md).
// Exit 0 with the report; exit 2 and one line on stderr for bad input.

/** The small illustrative catalogue used when no --offerings is given (documented in docs/simulate.md). */
export const DEFAULT_OFFERINGS = join(import.meta.dirname, '..', '..', 'examples', 'offerings.json');

const USAGE = `usage: vpsie-autoscaler simulate --trace <file.yaml> [--cluster <dump.yaml>] [--offerings <file.json>] [--plot <out.svg|out.png>] [--output table|json] [--seed <n>]

  --trace <file>       the workload trace (docs/simulate.md; examples in examples/traces/)
  --cluster <file>     a cluster dump (kubectl get nodes,pods,ng -A -o yaml): its NodeGroups instead of the trace's, its Nodes and Pods as the starting state
  --offerings <file>   the VPSie plan list {"data":[{identifier,cpu,ram,ssd,price}]} (default examples/offerings.json, illustrative prices)
  --plot <out.svg|png> draw requested vs capacity, nodes by offering and cost over time (SVG, or PNG by the file name)
  --output table|json  default table; both end with the summary
  --seed <n>           seed of the launch delays (default: the trace's seed, else 1)
`;

export interface SimulateIo { stdout: (text: string) => void; stderr: (text: string) => void }

const processIo: SimulateIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        trace: { type: 'string' },
        cluster: { type: 'string' },
        offerings: { type: 'string' },
        plot: { type: 'string' },
        output: { type: 'string', default: 'table' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    throw new SimulateInputError((error as Error).message, { cause: error });
  }
}

export async function runSimulate(args: string[], io: SimulateIo): Promise<number> {
  try {
    const options = parse(args);
    if (options.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (!options.trace) throw new SimulateInputError('--trace <file.yaml> is required');
    if (options.output !== 'json' && options.output !== 'table') throw new SimulateInputError(`--output must be json or table, not "${options.output}"`);
    if (options.seed !== undefined && !/^\d{1,9}$/.test(options.seed)) throw new SimulateInputError(`--seed must be a whole number, not "${options.seed}"`);
    if (options.plot !== undefined && !/\.(svg|png)$/i.test(options.plot)) throw new SimulateInputError(`--plot writes SVG or PNG: the file name must end in .svg or .png, not "${options.plot}"`);
    const trace = readTrace(options.trace);
    let offerings;
    try {
      offerings = readOfferings(options.offerings ?? DEFAULT_OFFERINGS);
    } catch (error) {
      if (error instanceof PlanInputError) throw new SimulateInputError(error.message, { cause: error });
      throw error;
    }
    const groups = options.cluster ? groupsFromCluster(options.cluster) : traceGroups(trace);
    buildGroups(groups, offerings); // every problem with the groups before anything runs
    const seed = options.seed !== undefined ? Number(options.seed) : trace.seed ?? 1;
    const report = runSimulation({ trace, groups, offerings, seed, ...(options.cluster ? { clusterDump: options.cluster } : {}) });
    if (options.plot) {
      try {
        const svg = renderPlotSvg(report, `vpsie-autoscaler simulate ${options.trace} (seed ${seed})`);
        writeFileSync(options.plot, /\.png$/i.test(options.plot) ? svgToPng(svg).png : svg);
      } catch (error) {
        throw new SimulateInputError(`cannot write --plot ${options.plot}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
      }
    }
    io.stdout(options.output === 'json' ? toJson(report) : renderTable(report));
    return 0;
  } catch (error) {
    if (error instanceof SimulateInputError) {
      io.stderr(`vpsie-autoscaler simulate: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

export async function run(args: string[]): Promise<number> {
  return runSimulate(args, processIo);
}
