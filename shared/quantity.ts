// Exact Kubernetes resource quantities. CPU is kept in millicores, memory and storage in bytes,
// both as integers (bigint while parsing, so "1e3", "0.5Gi" and "100Ei" never lose precision).
// Grammar (k8s.io/apimachinery resource.Quantity): <signed number><suffix>, suffix one of the
// binary SI (Ki Mi Gi Ti Pi Ei), decimal SI (n u m "" k M G T P E) or decimal exponent (e3, E-2).

export class QuantityError extends Error {
  override name = 'QuantityError';
  constructor(readonly input: string, message: string) {
    super(`invalid quantity "${input}": ${message}`);
  }
}

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n,
};
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const PATTERN = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
/** The grammar as a regular expression source (RE2-compatible), for the CRD's OpenAPI `pattern`. */
export const QUANTITY_PATTERN = PATTERN.source;

/** A quantity as an exact rational: value = numerator / denominator. */
interface Exact { numerator: bigint; denominator: bigint }

function parseExact(input: string): Exact {
  const text = input.trim();
  const match = PATTERN.exec(text);
  if (!match) throw new QuantityError(input, 'expected a number with an optional suffix (m, k, Ki, Mi, Gi, M, G, e3, …)');
  const [, sign, digits = '', suffix, exponent] = match;
  const [whole = '', fraction = ''] = digits.split('.');
  let numerator = BigInt((whole || '0') + fraction);
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix && suffix in BINARY) {
    numerator *= BINARY[suffix]!;
  } else {
    const exp = exponent !== undefined ? Number(exponent) : DECIMAL_EXP[suffix ?? '']!;
    if (Math.abs(exp) > 40) throw new QuantityError(input, 'exponent out of range');
    if (exp >= 0) numerator *= 10n ** BigInt(exp);
    else denominator *= 10n ** BigInt(-exp);
  }
  if (sign === '-') numerator = -numerator;
  return { numerator, denominator };
}

/** Rounds up, as Kubernetes does when a quantity is asked for at a coarser scale. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a > 0n) === (b > 0n) ? q + 1n : q;
}

function toSafeNumber(value: bigint, input: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new QuantityError(input, 'too large to represent exactly');
  }
  return Number(value);
}

/** "500m" → 500, "2" → 2000, "0.1" → 100, "1e-3" → 1 (sub-millicore rounds up). */
export function parseCpuMillis(input: string | number): number {
  const text = String(input);
  const { numerator, denominator } = parseExact(text);
  return toSafeNumber(ceilDiv(numerator * 1000n, denominator), text);
}

/** "1Gi" → 1073741824, "1G" → 1e9, "128974848", "129e6", "123Mi"; fractions of a byte round up. */
export function parseBytes(input: string | number): number {
  const text = String(input);
  const { numerator, denominator } = parseExact(text);
  return toSafeNumber(ceilDiv(numerator, denominator), text);
}

/** A plain count such as `pods: "110"`. */
export function parseCount(input: string | number): number {
  const text = String(input);
  const { numerator, denominator } = parseExact(text);
  return toSafeNumber(numerator / denominator, text);
}

export function isQuantity(input: string): boolean {
  try {
    parseExact(input);
    return true;
  } catch {
    return false;
  }
}

/** Canonical CPU: whole cores when exact ("2"), else millicores ("1500m"). */
export function formatCpuMillis(cpuMillis: number): string {
  return cpuMillis % 1000 === 0 ? String(cpuMillis / 1000) : `${cpuMillis}m`;
}

/** Canonical memory: the largest binary suffix that divides exactly ("1536Mi", "3Gi", "1000"). */
export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0';
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const unit = BINARY[suffix]!;
    const value = BigInt(bytes);
    if (value % unit === 0n) return `${value / unit}${suffix}`;
  }
  return String(bytes);
}

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
