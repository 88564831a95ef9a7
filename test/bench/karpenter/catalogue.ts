import { SIM_DC, SIM_PLANS, plansFor, SIM_CATEGORIES } from '../../vpsie-sim/index.ts';

// The benchmark's catalogue: the 12 plans the VPSie simulator offers in Singapore (A-Standard ×5,
// C-CPU ×3, G-General ×4; M, N and C-16C are not offered there), at the simulator's monthly prices.
// Both systems see the same usable size per plan: the NodeGroup defaults' kubelet reservations
// (kube-reserved 100m/256Mi + system-reserved 100m/256Mi + eviction-hard 100Mi, shared/nodegroup.ts)
// come off each plan, and Karpenter's instance types are given those allocatable figures as their
// capacity (its kwok provider adds no overhead of its own).

export const BENCH_DC = SIM_DC.singapore;
export const HOURS_PER_MONTH = 730;
const RESERVED_CPU_MILLIS = 200;
const RESERVED_MEMORY_MIB = 612;
export const MAX_PODS = 110;

export interface BenchPlan {
  identifier: string;
  nickname: string;
  cpuMillis: number;
  memoryMiB: number;
  maxPods: number;
  pricePerHour: number;
}

export function benchPlans(): BenchPlan[] {
  return SIM_CATEGORIES.flatMap((c) => plansFor(BENCH_DC, c.identifier, SIM_PLANS)).map((p) => ({
    identifier: p.identifier,
    nickname: p.nickname,
    cpuMillis: p.cpu * 1000 - RESERVED_CPU_MILLIS,
    memoryMiB: p.ram - RESERVED_MEMORY_MIB,
    maxPods: MAX_PODS,
    pricePerHour: Number(p.price) / HOURS_PER_MONTH,
  }));
}

/** Karpenter kwok provider's instance-types file (INSTANCE_TYPES_FILE_PATH): one on-demand offering in one zone. */
export function karpenterInstanceTypes(plans: BenchPlan[], zone: string): unknown[] {
  return plans.map((p) => ({
    name: p.nickname.toLowerCase(),
    architecture: 'amd64',
    operatingSystems: ['linux'],
    resources: { cpu: `${p.cpuMillis}m`, memory: `${p.memoryMiB}Mi`, pods: String(p.maxPods) },
    offerings: [
      {
        Price: p.pricePerHour,
        Available: true,
        Requirements: [
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
          { key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] },
        ],
      },
    ],
  }));
}
