import { VpsieRequestError } from './errors.ts';
import type { LaunchRequest } from './types.ts';

// LaunchRequest → the JSON body of `POST /apps/v2/vm`, as the official SDK (govpsie CreateServerRequest)
// sends it to that path: the flags as numbers 0/1, a numeric projectId as a number (a UUID as the
// newest Terraform provider sends it, a string). A 2026 fork sends "0"/"1" strings and base64 userData,
// but to /api/v2/vm; whether /apps/v2/vm honours userData is unproven, so `userData` is sent only in
// that delivery mode; the proven bootstrap path is `scriptIdentifier` (a stored script).

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function validateLaunchRequest(request: LaunchRequest): void {
  const problems: string[] = [];
  if (!HOSTNAME.test(request.hostname ?? '')) problems.push(`hostname ${JSON.stringify(request.hostname)} is not a lowercase RFC 1123 name`);
  for (const key of ['resourceIdentifier', 'osIdentifier', 'dcIdentifier', 'projectId'] as const) {
    if (!request[key]) problems.push(`${key} is required`);
  }
  if (problems.length > 0) throw new VpsieRequestError(`invalid launch request: ${problems.join('; ')}`, { operation: 'createVm' });
}

const flag = (value: boolean | undefined, fallback: boolean): 0 | 1 => ((value ?? fallback) ? 1 : 0);

export function toCreateBody(request: LaunchRequest, processId: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    resourceIdentifier: request.resourceIdentifier,
    osIdentifier: request.osIdentifier,
    dcIdentifier: request.dcIdentifier,
    hostname: request.hostname,
    projectId: /^\d+$/.test(request.projectId) ? Number(request.projectId) : request.projectId,
    processId,
    // Workers need a reachable address; public IPv4 and private networking default on.
    addPublicIpV4: flag(request.addPublicIpV4, true),
    addPublicIpV6: flag(request.addPublicIpV6, false),
    addPrivateIp: flag(request.addPrivateIp, true),
    backupEnabled: flag(request.backupEnabled, false),
  };
  if (request.userData !== undefined) body['userData'] = Buffer.from(request.userData, 'utf8').toString('base64');
  if (request.tags && request.tags.length > 0) body['tags'] = request.tags;
  if (request.notes) body['notes'] = request.notes;
  if (request.sshKeyIdentifier) body['sshKeyIdentifier'] = request.sshKeyIdentifier;
  if (request.scriptIdentifier) body['scriptIdentifier'] = request.scriptIdentifier;
  return body;
}
