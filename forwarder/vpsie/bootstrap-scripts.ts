import { matchesHostnamePattern } from '../../shared/ownership.ts';
import { errorFields, type Logger } from '../util/logger.ts';
import type { VpsieScript } from './types.ts';

// Stored bootstrap scripts hold a join token; each is deleted once its launch is settled:
// - the VM joined: a Node of that hostname is Ready; or
// - the launch failed: the listing (which must have been read) shows no VM and no pending create of
//   that hostname, and the script is older than `orphanAfterMs` (a create may take a while to show:
//   deleting a script the VM has not run yet would make the launch fail).
// Only scripts named `<hostname>-bootstrap` with this cluster's hostname pattern are touched.

export const BOOTSTRAP_SCRIPT_SUFFIX = '-bootstrap';
/** GUESS: comfortably longer than a VM's provisioning and first boot; no source gives the timing. */
export const DEFAULT_ORPHAN_SCRIPT_AFTER_MS = 2 * 3_600_000;

export type ScriptSweepView = {
  /** Whether a Node of this name is Ready. */
  nodeReady(hostname: string): boolean;
  /** Hostnames of the VMs and pending creates of the last listing; null when it could not be read. */
  vmHostnames(): ReadonlySet<string> | null;
};

export function settledBootstrapScripts(scripts: readonly VpsieScript[], view: ScriptSweepView, scope: { hostnamePrefix: string; nowMs: number; orphanAfterMs?: number }): VpsieScript[] {
  const hostnames = view.vmHostnames();
  const orphanAfterMs = scope.orphanAfterMs ?? DEFAULT_ORPHAN_SCRIPT_AFTER_MS;
  return scripts.filter((script) => {
    if (!script.name.endsWith(BOOTSTRAP_SCRIPT_SUFFIX)) return false;
    const hostname = script.name.slice(0, -BOOTSTRAP_SCRIPT_SUFFIX.length);
    if (!matchesHostnamePattern(hostname, scope.hostnamePrefix)) return false;
    if (view.nodeReady(hostname)) return true;
    if (hostnames === null || hostnames.has(hostname)) return false;
    return script.createdAtMs !== null && scope.nowMs - script.createdAtMs >= orphanAfterMs;
  });
}

/** Lists the stored scripts and deletes the settled ones; returns the names deleted. */
export async function deleteSettledBootstrapScripts(
  vpsie: { listScripts(): Promise<VpsieScript[]>; deleteScript(identifier: string): Promise<unknown> },
  view: ScriptSweepView,
  scope: { hostnamePrefix: string; nowMs: number; orphanAfterMs?: number },
): Promise<string[]> {
  const settled = settledBootstrapScripts(await vpsie.listScripts(), view, scope);
  for (const script of settled) await vpsie.deleteScript(script.identifier);
  return settled.map((s) => s.name);
}

/**
 * Deletes this process's stored scripts as soon as they are settled, instead of at the next
 * script-mode launch (a cluster that stops launching would keep its last script, and its join token,
 * until then). Cheap when there is nothing to do: scripts are listed only while a script this process
 * stored has a Ready Node, or has had no VM for longer than the orphan age. Scripts stored before a
 * restart are left to the sweep at the next launch (deleteSettledBootstrapScripts in create-vm).
 */
export class BootstrapScriptSweeper {
  /** Hostname → when its script was stored. */
  private readonly outstanding = new Map<string, number>();
  private sweeping: Promise<string[]> | undefined;

  constructor(
    private readonly vpsie: { listScripts(): Promise<VpsieScript[]>; deleteScript(identifier: string): Promise<unknown> },
    private readonly view: ScriptSweepView,
    private readonly scope: { hostnamePrefix: string; now: () => number; orphanAfterMs?: number },
  ) {}

  noteStored(hostname: string): void {
    if (!this.outstanding.has(hostname)) this.outstanding.set(hostname, this.scope.now());
  }

  get pending(): number {
    return this.outstanding.size;
  }

  /** Call after each VM listing; resolves to the names deleted (one sweep at a time). */
  sweepIfDue(): Promise<string[]> {
    if (this.sweeping || !this.due()) return Promise.resolve([]);
    this.sweeping = this.sweep().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private due(): boolean {
    const hostnames = this.view.vmHostnames();
    const orphanAfterMs = this.scope.orphanAfterMs ?? DEFAULT_ORPHAN_SCRIPT_AFTER_MS;
    for (const [hostname, storedAtMs] of this.outstanding) {
      if (this.view.nodeReady(hostname)) return true;
      if (hostnames !== null && !hostnames.has(hostname) && this.scope.now() - storedAtMs >= orphanAfterMs) return true;
    }
    return false;
  }

  private async sweep(): Promise<string[]> {
    const scripts = await this.vpsie.listScripts();
    const deleted = await deleteSettledBootstrapScripts({ listScripts: async () => scripts, deleteScript: (id) => this.vpsie.deleteScript(id) }, this.view, { hostnamePrefix: this.scope.hostnamePrefix, nowMs: this.scope.now(), ...(this.scope.orphanAfterMs !== undefined ? { orphanAfterMs: this.scope.orphanAfterMs } : {}) });
    const listed = new Set(scripts.map((s) => s.name));
    for (const hostname of [...this.outstanding.keys()]) {
      const name = `${hostname}${BOOTSTRAP_SCRIPT_SUFFIX}`;
      if (deleted.includes(name) || !listed.has(name)) this.outstanding.delete(hostname);
    }
    return deleted;
  }
}

/**
 * The forwarder's sweeper (main.ts): node readiness from the cluster cache's view, VM hostnames from
 * the last VM listing; `afterListing` wraps the reconcile's VM listing and sweeps in the background
 * (a failed sweep is logged and tried again after the next listing). None without a VPSie client.
 */
export function forwarderScriptSweeper(
  vpsie: ConstructorParameters<typeof BootstrapScriptSweeper>[0] | undefined,
  view: { node(name: string): { ready: boolean } | undefined; vms(): ReadonlyArray<{ hostname: string }> | null },
  scope: { hostnamePrefix: string; now: () => number },
  logger: Logger,
): { sweeper: BootstrapScriptSweeper | undefined; afterListing<T>(listing: Promise<T>): Promise<T> } {
  const sweeper = vpsie
    ? new BootstrapScriptSweeper(vpsie, { nodeReady: (h) => view.node(h)?.ready === true, vmHostnames: () => { const vms = view.vms(); return vms ? new Set(vms.map((v) => v.hostname)) : null; } }, scope)
    : undefined;
  return {
    sweeper,
    afterListing: (listing) =>
      listing.finally(() => {
        void sweeper?.sweepIfDue().then(
          (deleted) => deleted.length > 0 && logger.info({ scripts: deleted }, `deleted ${deleted.length} settled bootstrap script(s)`),
          (error: unknown) => logger.warn({ ...errorFields(error) }, 'could not delete settled bootstrap scripts; tried again after the next VM listing'),
        );
      }),
  };
}
