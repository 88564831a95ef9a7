import { parseOfferings } from '../plan/offerings.ts';
import type { Offering } from '../../shared/snapshot.ts';
import { traceGroups } from './setup.ts';
import { runSimulation, type SimulationReport } from './simulate.ts';
import { parseTrace } from './trace.ts';

// Shared by the simulate tests: the illustrative catalogue (same figures as examples/offerings.json)
// and a runner over a trace written inline.

export const TEST_OFFERINGS: Offering[] = parseOfferings(JSON.stringify({ data: [
  { identifier: 'small-2c4g', cpu: 2, ram: 4096, ssd: 80, price: 12 },
  { identifier: 'medium-4c8g', cpu: 4, ram: 8192, ssd: 160, price: 24 },
  { identifier: 'large-8c16g', cpu: 8, ram: 16384, ssd: 320, price: 44 },
  { identifier: 'xlarge-16c32g', cpu: 16, ram: 32768, ssd: 640, price: 88 },
] }), 'test offerings');

export function groupYaml(offerings: string[], extra = ''): string {
  return `nodeGroups:
  - name: workers
    spec: { minNodes: 1, maxNodes: 30, datacenterID: dc-1, osImageID: os-1, offeringIDs: [${offerings.join(', ')}]${extra} }
`;
}

export function simulateYaml(yaml: string, seed = 1, offerings: Offering[] = TEST_OFFERINGS): SimulationReport {
  const trace = parseTrace(yaml, 'test trace');
  return runSimulation({ trace, groups: traceGroups(trace), offerings, seed });
}
