// A small dense revised simplex for the covering LP of the column generation (columns.ts):
//
//   min Σ_j cost_j · z_j   s.t.   Σ_j a_{i,j} · z_j ≥ b_i  (every row i),   z ≥ 0,   cost ≥ 0.
//
// Rows are pod classes (a few dozen at most: the caller skips bigger problems), columns node
// patterns, added on the fly by an oracle (`price`) that is handed the duals and returns a column of
// negative reduced cost, or nothing when there is none. The start basis is one single-class column
// per row (a diagonal, so feasible at once: no phase 1). The basis inverse is kept explicitly
// (m × m) and rebuilt from the basis columns every REFACTOR_EVERY pivots against drift.
// Entering: a surplus whose dual is negative, else the pool column of most negative reduced cost,
// else the oracle's. Leaving: the minimum ratio, ties to the lowest row. Dantzig's rule may stall on
// degenerate vertices: `maxPivots` bounds it, and the basis is primal feasible at every step, so a
// stopped solve still gives a usable (covering) solution, only perhaps not the optimum.

/** `tag` is the caller's (which node pattern the column stands for), carried through. */
export interface LpColumn { cost: number; a: number[]; tag?: number }

export interface LpSolution {
  /** z per column of `columns` (the start columns first, then those the oracle added). */
  z: number[];
  columns: LpColumn[];
  objective: number;
  /** Whether optimality was proved (no entering column left) rather than the pivot cap reached. */
  optimal: boolean;
  pivots: number;
  /** Arithmetic steps spent (≈ m² per pivot plus m per column priced), for the caller's budget. */
  steps: number;
}

const REFACTOR_EVERY = 25;
const TOLERANCE = 1e-9;

/** Inverse of the m × m matrix whose columns are `cols`, by Gauss–Jordan with partial pivoting. */
function invert(cols: readonly (readonly number[])[], m: number): number[][] | undefined {
  const a = Array.from({ length: m }, (_, i) => [...cols.map((c) => c[i]!), ...Array.from({ length: m }, (_, j) => (i === j ? 1 : 0))]);
  for (let k = 0; k < m; k++) {
    let pivot = k;
    for (let i = k + 1; i < m; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[pivot]![k]!)) pivot = i;
    if (Math.abs(a[pivot]![k]!) < 1e-12) return undefined;
    [a[k], a[pivot]] = [a[pivot]!, a[k]!];
    const row = a[k]!;
    const p = row[k]!;
    for (let j = 0; j < 2 * m; j++) row[j] = row[j]! / p;
    for (let i = 0; i < m; i++) {
      if (i === k) continue;
      const f = a[i]![k]!;
      if (f === 0) continue;
      const r = a[i]!;
      for (let j = 0; j < 2 * m; j++) r[j] = r[j]! - f * row[j]!;
    }
  }
  return a.map((r) => r.slice(m));
}

/**
 * `start` must hold one column per row with a positive entry in that row only (the diagonal start).
 * `pool` holds more columns to start with (not in the basis). `price(y, objective)` returns columns whose reduced
 * cost cost − y·a is negative (all it found: they join the pool), or none.
 */
export function solveCovering(b: readonly number[], start: readonly LpColumn[], pool: readonly LpColumn[], price: (y: readonly number[], objective: number) => LpColumn[], maxPivots: number): LpSolution | undefined {
  const m = b.length;
  const columns: LpColumn[] = [...start, ...pool].map((c) => ({ ...c, a: [...c.a] }));
  // basis[i] ≥ 0: a column; −(k + 1): the surplus of row k (column −e_k, cost 0).
  const basis = start.map((_, i) => i);
  const columnOf = (j: number): readonly number[] => (j >= 0 ? columns[j]!.a : Array.from({ length: m }, (_, k) => (k === -j - 1 ? -1 : 0)));
  const costOf = (j: number) => (j >= 0 ? columns[j]!.cost : 0);
  let inverse = invert(basis.map(columnOf), m);
  if (!inverse) return undefined;
  const times = (inv: number[][], v: readonly number[]) => inv.map((row) => row.reduce((s, x, k) => s + x * v[k]!, 0));
  let x = times(inverse, b);
  if (x.some((v) => v < -TOLERANCE)) return undefined;
  let steps = 0;
  let pivots = 0;
  let optimal = false;
  const inBasis = new Set(basis);
  for (; pivots < maxPivots; pivots++) {
    const inv = inverse!;
    const y = Array.from({ length: m }, (_, k) => basis.reduce((s, j, i) => s + costOf(j) * inv[i]![k]!, 0));
    steps += m * m;
    let entering: number | undefined;
    let most = -TOLERANCE;
    for (let k = 0; k < m; k++) {
      if (y[k]! < most && !inBasis.has(-k - 1)) { most = y[k]!; entering = -k - 1; }
    }
    if (entering === undefined) {
      columns.forEach((c, j) => {
        if (inBasis.has(j)) return;
        const rc = c.cost - c.a.reduce((s, v, k) => s + v * y[k]!, 0);
        if (rc < most && rc < -TOLERANCE * Math.max(1, c.cost)) { most = rc; entering = j; }
      });
      steps += columns.length * m;
    }
    if (entering === undefined) {
      const fresh = price(y, basis.reduce((s, j, i) => s + costOf(j) * x[i]!, 0));
      if (fresh.length === 0) { optimal = true; break; }
      for (const c of fresh) {
        columns.push({ ...c, a: [...c.a] });
        const rc = c.cost - c.a.reduce((s, v, k) => s + v * y[k]!, 0);
        if (rc < most) { most = rc; entering = columns.length - 1; }
      }
      if (entering === undefined) { optimal = true; break; }
    }
    const d = times(inv, columnOf(entering));
    let leave = -1;
    let ratio = Infinity;
    for (let i = 0; i < m; i++) {
      if (d[i]! <= TOLERANCE) continue;
      const r = Math.max(0, x[i]!) / d[i]!;
      if (r < ratio - TOLERANCE) { ratio = r; leave = i; }
    }
    if (leave < 0) return undefined; // unbounded: impossible with costs ≥ 0 and a ≥ 0
    inBasis.delete(basis[leave]!);
    basis[leave] = entering;
    inBasis.add(entering);
    if ((pivots + 1) % REFACTOR_EVERY === 0) {
      inverse = invert(basis.map(columnOf), m);
      if (!inverse) return undefined;
      x = times(inverse, b);
      steps += m * m * m;
      continue;
    }
    const pivotRow = inv[leave]!.map((v) => v / d[leave]!);
    for (let i = 0; i < m; i++) {
      if (i === leave) continue;
      const f = d[i]!;
      if (f !== 0) inv[i] = inv[i]!.map((v, k) => v - f * pivotRow[k]!);
      x[i] = x[i]! - f * ratio;
    }
    inv[leave] = pivotRow;
    x[leave] = ratio;
    steps += m * m;
  }
  const z = columns.map(() => 0);
  basis.forEach((j, i) => { if (j >= 0) z[j] = Math.max(0, x[i]!); });
  const objective = z.reduce((s, v, j) => s + v * columns[j]!.cost, 0);
  return { z, columns, objective, optimal, pivots, steps };
}
