// Fault injection: a queue of faults, each applied to the next `count` matching API calls.
// Driven from tests (sim.inject) or other processes (POST /__sim/faults).

export type SimOperation =
  | 'login'
  | 'listVms'
  | 'getVm'
  | 'listPending'
  | 'createVm'
  | 'deleteVm'
  | 'listDatacenters'
  | 'listPlanCategories'
  | 'listPlans'
  | 'addTags'
  | 'listTags'
  | 'addScript'
  | 'listScripts'
  | 'deleteScript'
  | 'listProjects'
  | 'unknown';

export type FaultMatch = {
  /** One operation or several; all operations when absent. */
  operation?: SimOperation | SimOperation[];
  method?: string;
  /** Exact path, or a prefix when it ends with `*`. */
  path?: string;
};

type FaultBase = { count?: number; match?: FaultMatch };

export type SimFault = FaultBase &
  (
    /** afterHandling: the request takes effect, then the answer is the failure (a proxy failing late). */
    | { kind: 'status'; status?: number; message?: string; afterHandling?: boolean }
    | { kind: 'html502'; afterHandling?: boolean }
    | { kind: 'rateLimit'; retryAfterSeconds?: number }
    | { kind: 'errorOn200'; code?: number; message?: string; afterHandling?: boolean }
    /** Hang for hangMs, then drop the connection. With afterHandling the request takes effect first. */
    | { kind: 'timeout'; hangMs?: number; afterHandling?: boolean }
    /** Drop the connection at once. With afterHandling the request takes effect first. */
    | { kind: 'reset'; afterHandling?: boolean }
    | { kind: 'slow'; delayMs: number }
    /** Answer exactly this (garbage JSON, HTML, wrong shapes…). */
    | { kind: 'respond'; status?: number; body: string; contentType?: string; headers?: Record<string, string> }
    /** The create answers success, then the VM never shows up (vanish) or stays pending forever (stuck). */
    | { kind: 'createNeverMaterialises'; mode?: 'vanish' | 'stuck' }
    /** Delayed visibility for this create: accepted, then in neither /vm/pending nor /vm for delayMs. */
    | { kind: 'delayVisibility'; delayMs: number }
    /**
     * Lost answer: the request takes effect (a create is accepted), then the connection is dropped
     * after hangMs (default 0) — the caller never learns that it worked. For creates, visibilityDelayMs
     * delays the VM's visibility as well (a lost answer and a slow list together).
     */
    | { kind: 'lostAnswer'; hangMs?: number; visibilityDelayMs?: number }
    /** Answer as VPSie answers a route it does not know (the catch-all's 404 "Not found"); the request has no effect. */
    | { kind: 'wrongRoute' }
    /** The request takes effect, then the answer is a 204 with an empty body (success in the SDK). */
    | { kind: 'emptyAnswer' }
    /** The request takes effect, then the answer is `{"error": false}` without `data`. */
    | { kind: 'noData' }
    /** A list answer gets `rows` appended (default: one row with no identifier or hostname). */
    | { kind: 'unreadableRows'; rows?: unknown[] }
    /** The create works and the VM runs, but its kubelet never gets Ready (a missing CNI, a bad image): the Node registers NotReady. */
    | { kind: 'kubeletNeverReady' }
  );

export type FaultKind = SimFault['kind'];

type Queued = { fault: SimFault; remaining: number };

export class FaultQueue {
  private queue: Queued[] = [];

  inject(faults: SimFault | SimFault[]): void {
    for (const fault of Array.isArray(faults) ? faults : [faults]) {
      validateFault(fault);
      const createOnly = fault.kind === 'createNeverMaterialises' || fault.kind === 'delayVisibility' || fault.kind === 'kubeletNeverReady';
      const match = createOnly ? { operation: 'createVm' as const, ...fault.match } : fault.match;
      this.queue.push({ fault: { ...fault, ...(match ? { match } : {}) }, remaining: fault.count ?? 1 });
    }
  }

  /** The fault for this call, consuming one use of it; undefined when the call goes through normally. */
  take(call: { operation: SimOperation; method: string; path: string }): SimFault | undefined {
    const index = this.queue.findIndex((q) => matches(q.fault.match, call));
    if (index < 0) return undefined;
    const queued = this.queue[index]!;
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.queue.splice(index, 1);
    return queued.fault;
  }

  pending(): Array<SimFault & { remaining: number }> {
    return this.queue.map((q) => ({ ...q.fault, remaining: q.remaining }));
  }

  clear(): void {
    this.queue = [];
  }
}

function matches(match: FaultMatch | undefined, call: { operation: SimOperation; method: string; path: string }): boolean {
  if (!match) return true;
  if (match.operation !== undefined) {
    const ops = Array.isArray(match.operation) ? match.operation : [match.operation];
    if (!ops.includes(call.operation)) return false;
  }
  if (match.method && match.method.toUpperCase() !== call.method.toUpperCase()) return false;
  if (match.path) {
    if (match.path.endsWith('*') ? !call.path.startsWith(match.path.slice(0, -1)) : match.path !== call.path) return false;
  }
  return true;
}

const KINDS: FaultKind[] = ['status', 'html502', 'rateLimit', 'errorOn200', 'timeout', 'reset', 'slow', 'respond', 'createNeverMaterialises', 'delayVisibility', 'lostAnswer', 'kubeletNeverReady', 'wrongRoute', 'emptyAnswer', 'noData', 'unreadableRows'];

function validateFault(fault: SimFault): void {
  if (!fault || !KINDS.includes(fault.kind)) throw new Error(`unknown fault kind ${JSON.stringify((fault as { kind?: unknown })?.kind)}; expected one of ${KINDS.join(', ')}`);
  if (fault.count !== undefined && (!Number.isInteger(fault.count) || fault.count < 1)) throw new Error('fault count must be a positive integer');
  const nonNegative = (value: unknown) => value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
  if (fault.kind === 'delayVisibility' && !(typeof fault.delayMs === 'number' && nonNegative(fault.delayMs))) throw new Error('delayVisibility needs delayMs >= 0');
  if (fault.kind === 'lostAnswer' && (!nonNegative(fault.hangMs) || !nonNegative(fault.visibilityDelayMs))) throw new Error('lostAnswer: hangMs and visibilityDelayMs must be >= 0');
}
