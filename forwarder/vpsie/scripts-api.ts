import type { ApiCalls } from './api-calls.ts';
import { VpsieAbsenceUnconfirmedError, VpsieInvalidResponseError, VpsieNotFoundError, VpsieRequestError } from './errors.ts';
import { scriptRow } from './schemas.ts';
import type { DeleteResult, VpsieScript } from './types.ts';

// Stored scripts (`/apps/v2/script…`): how a bootstrap reaches a VM in 'script' delivery mode.

export async function listScripts(api: ApiCalls): Promise<VpsieScript[]> {
  return (await api.callRows({ operation: 'listScripts', method: 'GET', path: '/apps/v2/scripts', retry: 'safe' }, scriptRow)).rows;
}

/**
 * Stores a script and returns its identifier. The add answers no identifier (the SDK decodes nothing),
 * so the script is found by name afterwards: use a name unique to this launch. Never retried blindly
 * (a second add makes a second script); a lookup by name comes first.
 * `scriptType` "bash" is a GUESS (the SDK sends a free string; no source shows the values).
 */
export async function createScript(api: ApiCalls, script: { name: string; content: string; type?: string }): Promise<string> {
  if (!script.name || !script.content) throw new VpsieRequestError('createScript: name and content are required', { operation: 'addScript' });
  const byName = async () => (await listScripts(api)).filter((s) => s.name === script.name).at(-1)?.identifier;
  const existing = await byName();
  if (existing) return existing;
  await api.act({ operation: 'addScript', method: 'POST', path: '/apps/v2/script/add', json: { name: script.name, scriptContent: script.content, scriptType: script.type ?? 'bash', tags: [] }, retry: 'never' });
  const identifier = await byName();
  if (!identifier) throw new VpsieInvalidResponseError(`addScript: script ${script.name} was accepted but is not listed in /apps/v2/scripts`, { operation: 'addScript' });
  return identifier;
}

/** Deletes a stored script; "Not found" counts as gone only when the script list agrees (as for VMs). */
export async function deleteScript(api: ApiCalls, identifier: string): Promise<DeleteResult> {
  try {
    await api.act({ operation: 'deleteScript', method: 'DELETE', path: '/apps/v2/script', json: { scriptIdentifier: identifier }, retry: 'safe' });
    return { outcome: 'deleted' };
  } catch (error) {
    if (!(error instanceof VpsieNotFoundError)) throw error;
    if ((await listScripts(api)).some((s) => s.identifier === identifier)) {
      throw new VpsieAbsenceUnconfirmedError(`deleteScript: "Not found" for script ${identifier}, but the script list still shows it`, { operation: 'deleteScript', identifier, retryable: false });
    }
    return { outcome: 'already-gone' };
  }
}
