// The simulator's catalogue: datacenters, plan categories, plans and OS images.
//
// The FIGURES ARE ILLUSTRATIVE: shaped like VPSie's public catalogue (category letters, sizes, monthly
// prices, a few plans missing in some datacenters) but not copied from it and not current prices.
// Prices of some categories are strings and others numbers, as the real API mixes both.

export type SimDatacenter = { identifier: string; dc_name: string; country: string; state: string; is_active: 0 | 1 };
export type SimCategory = { identifier: string; name: string };
export type SimPlan = {
  identifier: string;
  nickname: string;
  categoryIdentifier: string;
  cpu: number;
  /** MB */
  ram: number;
  /** GB */
  ssd: number;
  /** GB per month */
  traffic: number;
  /** per month, USD; string or number on the wire */
  price: number | string;
  /** datacenters where the plan is not offered */
  unavailableIn?: string[];
};

export const SIM_DATACENTERS: SimDatacenter[] = [
  { identifier: 'a7e5c0e2-3b1f-4c57-9d6a-0f3c2a9b1001', dc_name: 'New York', country: 'US', state: 'NY', is_active: 1 },
  { identifier: 'a7e5c0e2-3b1f-4c57-9d6a-0f3c2a9b1002', dc_name: 'London', country: 'GB', state: 'England', is_active: 1 },
  { identifier: 'a7e5c0e2-3b1f-4c57-9d6a-0f3c2a9b1003', dc_name: 'Frankfurt', country: 'DE', state: 'Hesse', is_active: 1 },
  { identifier: 'a7e5c0e2-3b1f-4c57-9d6a-0f3c2a9b1004', dc_name: 'Singapore', country: 'SG', state: 'Singapore', is_active: 1 },
  { identifier: 'a7e5c0e2-3b1f-4c57-9d6a-0f3c2a9b1005', dc_name: 'Toronto', country: 'CA', state: 'ON', is_active: 0 },
];

const [NYC, LON, FRA, SGP] = SIM_DATACENTERS.map((d) => d.identifier) as [string, string, string, string];
export const SIM_DC = { newYork: NYC, london: LON, frankfurt: FRA, singapore: SGP } as const;

export const SIM_CATEGORIES: SimCategory[] = [
  { identifier: 'c0a1b2c3-0000-4000-8000-00000000000a', name: 'A - Standard (shared CPU, memory ballooning)' },
  { identifier: 'c0a1b2c3-0000-4000-8000-00000000000c', name: 'C - CPU Optimized' },
  { identifier: 'c0a1b2c3-0000-4000-8000-00000000000d', name: 'M - Memory Optimized' },
  { identifier: 'c0a1b2c3-0000-4000-8000-00000000000e', name: 'G - General Purpose (dedicated)' },
  { identifier: 'c0a1b2c3-0000-4000-8000-00000000000f', name: 'N - NVMe Storage' },
];

const [CAT_A, CAT_C, CAT_M, CAT_G, CAT_N] = SIM_CATEGORIES.map((c) => c.identifier) as [string, string, string, string, string];
export const SIM_CATEGORY = { standard: CAT_A, cpu: CAT_C, memory: CAT_M, general: CAT_G, nvme: CAT_N } as const;

function plan(n: number, nickname: string, categoryIdentifier: string, cpu: number, ramMb: number, ssdGb: number, trafficGb: number, price: number | string, unavailableIn?: string[]): SimPlan {
  const identifier = `9b1e0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return { identifier, nickname, categoryIdentifier, cpu, ram: ramMb, ssd: ssdGb, traffic: trafficGb, price, ...(unavailableIn ? { unavailableIn } : {}) };
}

export const SIM_PLANS: SimPlan[] = [
  plan(101, 'A-1C-1G', CAT_A, 1, 1024, 25, 1000, '5.00'),
  plan(102, 'A-1C-2G', CAT_A, 1, 2048, 50, 2000, '10.00'),
  plan(103, 'A-2C-4G', CAT_A, 2, 4096, 80, 3000, '20.00'),
  plan(104, 'A-4C-8G', CAT_A, 4, 8192, 160, 4000, '40.00'),
  plan(105, 'A-8C-16G', CAT_A, 8, 16384, 320, 5000, '80.00'),
  plan(201, 'C-2C-4G', CAT_C, 2, 4096, 50, 3000, 36, [LON]),
  plan(202, 'C-4C-8G', CAT_C, 4, 8192, 100, 4000, 72, [LON]),
  plan(203, 'C-8C-16G', CAT_C, 8, 16384, 200, 5000, 144, [LON]),
  plan(204, 'C-16C-32G', CAT_C, 16, 32768, 400, 6000, 288, [LON, SGP]),
  plan(301, 'M-2C-16G', CAT_M, 2, 16384, 100, 3000, '60.00', [SGP]),
  plan(302, 'M-4C-32G', CAT_M, 4, 32768, 200, 4000, '120.00', [SGP]),
  plan(303, 'M-8C-64G', CAT_M, 8, 65536, 400, 5000, '240.00', [SGP]),
  plan(401, 'G-2C-8G', CAT_G, 2, 8192, 80, 3000, 45),
  plan(402, 'G-4C-16G', CAT_G, 4, 16384, 160, 4000, 90),
  plan(403, 'G-8C-32G', CAT_G, 8, 32768, 320, 5000, 180),
  plan(404, 'G-16C-64G', CAT_G, 16, 65536, 640, 6000, 360),
  plan(501, 'N-2C-4G-200', CAT_N, 2, 4096, 200, 3000, 30, [SGP]),
  plan(502, 'N-4C-8G-400', CAT_N, 4, 8192, 400, 4000, 60, [SGP]),
];

/** There is no public OS list; these are the images the simulator accepts (extendable by option). */
export const SIM_OS_IMAGES = {
  'ubuntu-22.04': '0e7d3a4c-1111-4000-8000-000000002204',
  'ubuntu-24.04': '0e7d3a4c-1111-4000-8000-000000002404',
  'debian-12': '0e7d3a4c-1111-4000-8000-000000000012',
} as const;

export function plansFor(dcIdentifier: string, categoryIdentifier: string, plans: SimPlan[] = SIM_PLANS): SimPlan[] {
  return plans.filter((p) => p.categoryIdentifier === categoryIdentifier && !p.unavailableIn?.includes(dcIdentifier));
}

export function findPlan(identifier: string, plans: SimPlan[] = SIM_PLANS): SimPlan | undefined {
  return plans.find((p) => p.identifier === identifier);
}
