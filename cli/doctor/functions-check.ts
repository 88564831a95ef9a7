import { signMessage } from '../../shared/signing.ts';
import { fail, pass, type CheckResult } from './check.ts';

// The functions answer a signed no-op: GET /v1/clusters/<id>/status signed with the forwarder's key
// (read-only). 401/403 = the key (or cluster id) does not match what the functions hold.

export async function checkFunctions(input: { url: string | undefined; clusterId: string | undefined; signingKey: string | undefined; nowMs: number; timeoutMs?: number }): Promise<CheckResult> {
  const name = 'functions';
  if (!input.url || !input.clusterId || !input.signingKey) {
    return fail(name, 'not checked: the functions URL, cluster id and signing key are all needed', 'pass --functions-url, --cluster-id and --signing-key-file (the forwarder\'s signing key)');
  }
  const path = `/v1/clusters/${encodeURIComponent(input.clusterId)}/status`;
  const headers = signMessage({ key: input.signingKey, clusterId: input.clusterId, method: 'GET', path, body: '', nowMs: input.nowMs });
  let response: Response;
  try {
    response = await fetch(new URL(path, input.url), { headers, signal: AbortSignal.timeout(input.timeoutMs ?? 10_000) });
  } catch (error) {
    return fail(name, `${input.url} unreachable: ${(error as Error).message}`, 'check --functions-url (the forwarder\'s functionsUrl) and that the functions are deployed');
  }
  await response.body?.cancel().catch(() => undefined);
  if (response.ok) return pass(name, `${input.url} answered a signed request for cluster ${input.clusterId}: the signing key matches`);
  if (response.status === 401 || response.status === 403) return fail(name, `${input.url} refused the signed request (HTTP ${response.status})`, 'the signing key or cluster id differs from the functions\' configuration: use the same key on both sides');
  return fail(name, `${input.url} answered HTTP ${response.status}`, 'check the functions deployment and its logs');
}
