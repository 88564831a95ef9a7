import type { PackClass, PackTemplate } from './pack.ts';

// A pod class's value when packing: what its requests would cost at the cheapest price per unit of
// each resource any template offers (its dominant resource decides), so patterns compare by the
// money they hold.

const EPSILON = 1e-9;

/** Cheapest price per unit of each resource over all templates, for class weights. */
export function unitPrices(templates: readonly PackTemplate[]): { cpu: number; memory: number; ephemeral: number; pod: number } {
  const min = (f: (t: PackTemplate) => number) => {
    let best = Infinity;
    for (const t of templates) {
      const v = f(t);
      if (Number.isFinite(v)) best = Math.min(best, v);
    }
    return Number.isFinite(best) ? best : 0;
  };
  return {
    cpu: min((t) => (t.free.cpuMillis > 0 ? t.priceMonthly / t.free.cpuMillis : Infinity)),
    memory: min((t) => (t.free.memoryBytes > 0 ? t.priceMonthly / t.free.memoryBytes : Infinity)),
    ephemeral: min((t) => (t.free.ephemeralBytes > 0 ? t.priceMonthly / t.free.ephemeralBytes : Infinity)),
    pod: min((t) => (t.free.pods > 0 ? t.priceMonthly / t.free.pods : Infinity)),
  };
}

export function classWeights(classes: readonly PackClass[], templates: readonly PackTemplate[]): number[] {
  const unit = unitPrices(templates);
  return classes.map((c) => Math.max(
    c.requests.cpuMillis * unit.cpu,
    c.requests.memoryBytes * unit.memory,
    c.requests.ephemeralBytes * unit.ephemeral,
    unit.pod,
    // Free templates (price 0) still need a positive value to compare patterns.
    EPSILON,
  ));
}
