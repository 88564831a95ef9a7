import { retryDelayMs, type RetryOptions } from './backoff.ts';
import type { ApiCalls } from './api-calls.ts';
import { createMayHaveBeenAccepted } from './create-outcome.ts';
import { VpsieCircuitOpenError, VpsieCredentialsError, VpsieError, VpsieNotFoundError, VpsieRequestError } from './errors.ts';
import { toCreateBody, validateLaunchRequest } from './launch-request.ts';
import { confirmGone, findVmByHostname, type VmReadDeps } from './vm-reads.ts';
import type { DeleteRequest, DeleteResult, LaunchRequest, LaunchResult } from './types.ts';

// Creating and deleting VMs: the two calls that cost money or lose it when done twice or not at all.

export type VmWriteDeps = VmReadDeps & {
  api: ApiCalls;
  newProcessId: () => string;
  deletePassword: string;
  maxCreateAttempts: number;
  settleMs: number;
  retry: RetryOptions;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
};

/**
 * One create request, never retried (except once after a 401 in login mode, which the server refused
 * before acting). The project reference is resolved first: the numeric id goes in the body (the
 * official SDK's `ProjectID int64`). The answer carries no VM id: find the VM by hostname afterwards.
 */
export async function createVm(deps: VmWriteDeps, request: LaunchRequest): Promise<{ processId: string }> {
  validateLaunchRequest(request);
  const processId = request.processId ?? deps.newProcessId();
  const project = await deps.projects.resolve(request.projectId);
  await deps.api.act({ operation: 'createVm', method: 'POST', path: '/apps/v2/vm', json: toCreateBody({ ...request, projectId: project.id }, processId), retry: 'never' });
  return { processId };
}

/**
 * Idempotent launch: one logical launch never makes two VMs.
 * - Looks for the hostname first (in the request's project), so calling launchVm again for the same
 *   hostname (after a crash, or a retried command) does not create again.
 * - IMPORTANT: a create whose fate is unknown (no answer, dropped connection, a proxy's error page) is
 *   NEVER sent again from here, not even after a lookup that finds nothing: VPSie may show an accepted
 *   create in /vm/pending only many seconds later, and a second create buys a second VM under the same
 *   hostname. The launch is returned as `unconfirmed`; later reconciles find the VM by hostname.
 * - A create VPSie certainly refused (an API error answer, 429) is sent again after a wait, and only
 *   if a lookup still finds nothing.
 */
export async function launchVm(deps: VmWriteDeps, request: LaunchRequest): Promise<LaunchResult> {
  validateLaunchRequest(request);
  const processId = request.processId ?? deps.newProcessId();
  const withId = { ...request, processId };
  const scope = { projectId: request.projectId };
  const existing = await findVmByHostname(deps, request.hostname, scope);
  if (existing) return { outcome: 'existing', processId, lookup: existing, createAttempts: 0 };

  for (let attempt = 1; ; attempt++) {
    try {
      await createVm(deps, withId);
      const lookup = await findVmByHostname(deps, request.hostname, scope).catch(() => undefined);
      return { outcome: 'created', processId, lookup, createAttempts: attempt };
    } catch (error) {
      if (createMayHaveBeenAccepted(error)) {
        const lookup = await findVmByHostname(deps, request.hostname, scope).catch(() => undefined);
        if (lookup) return { outcome: 'created', processId, lookup, createAttempts: attempt };
        return { outcome: 'unconfirmed', processId, lookup: undefined, createAttempts: attempt, error: error instanceof Error ? error.message : String(error) };
      }
      if (!(error instanceof VpsieError) || !error.retryable || error instanceof VpsieCircuitOpenError) throw error;
      if (attempt >= deps.maxCreateAttempts) throw error;
      const delayMs = retryDelayMs(error, attempt, deps.retry, deps.random);
      if (delayMs === undefined) throw error;
      await deps.sleep(Math.max(delayMs, deps.settleMs));
      // Never create again without looking first.
      const found = await findVmByHostname(deps, request.hostname, scope);
      if (found) return { outcome: 'created', processId, lookup: found, createAttempts: attempt };
    }
  }
}

/**
 * Deletes with the password from the Secret. A VM that is already gone is not an error — but "already
 * gone" is only reported when a listing confirms it: a "Not found" answer to the DELETE alone may come
 * from a wrong route while the VM keeps running (and billing).
 */
export async function deleteVm(deps: VmWriteDeps, request: DeleteRequest): Promise<DeleteResult> {
  if (!request.identifier) throw new VpsieRequestError('deleteVm: identifier is required', { operation: 'deleteVm' });
  if (!deps.deletePassword) throw new VpsieCredentialsError(['deletePassword is empty'], { operation: 'deleteVm' });
  try {
    await deps.api.act({
      operation: 'deleteVm',
      method: 'DELETE',
      path: '/apps/v2/vm',
      json: { vmIdentifier: request.identifier, password: deps.deletePassword, deleteStatistic: { reason: request.reason, note: request.note ?? '' } },
      retry: 'safe',
    });
    return { outcome: 'deleted' };
  } catch (error) {
    // Also covers a retry after a first attempt that deleted but timed out — once the listing agrees.
    if (!(error instanceof VpsieNotFoundError)) throw error;
    await confirmGone(deps, request.identifier, 'deleteVm', error.message);
    return { outcome: 'already-gone' };
  }
}
