import { afterEach, describe, expect, it } from 'vitest';
import type { KubeHttp } from '../kube/kube-http.ts';
import type { Logger } from '../util/logger.ts';
import { startVpsieSimulator, type VpsieSimulator } from '../../test/vpsie-sim/index.ts';
import type { UnreadableRowsEvent } from './api-calls.ts';
import { connectVpsie } from './connect.ts';

// The client the forwarder builds from its settings and the credentials Secret: the login settings
// reach it, and skipped rows are both counted (the hook main.ts passes) and logged.

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secretKube = (data: Record<string, string>) => ({ request: async () => ({ data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) }) }) as unknown as KubeHttp;

function recordingLogger() {
  const lines: Array<{ level: string; fields: object; message: string | undefined }> = [];
  const logger: Logger = {
    debug: (fields, message) => void lines.push({ level: 'debug', fields, message }),
    info: (fields, message) => void lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => void lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => void lines.push({ level: 'error', fields, message }),
    child: () => logger,
  };
  return { logger, lines };
}

async function sim(options: Parameters<typeof startVpsieSimulator>[0] = {}): Promise<VpsieSimulator> {
  const s = await startVpsieSimulator(options);
  stops.push(() => s.stop());
  return s;
}

const settings = (baseUrl: string, login: { body: 'auto' | 'json' | 'form'; header: 'auto' | 'vpsie-auth' | 'bearer' | 'both' }) =>
  ({ baseUrl, credentialsSecret: 'vpsie-credentials', credentialsNamespace: 'kube-system', bootstrapDelivery: 'auto' as const, login });

describe('connectVpsie', () => {
  it('the configured login (form body, Bearer only) is used from the first login: nothing to detect', async () => {
    const s = await sim({ loginBody: 'form-only', authHeader: 'bearer-only' });
    const { logger } = recordingLogger();
    const { vpsie, projectId } = await connectVpsie({ kube: secretKube({ clientId: 'sim-client', clientSecret: 'sim-secret', deletePassword: 'pw', projectId: 'sim-project' }), settings: settings(s.url, { body: 'form', header: 'bearer' }), logger });
    expect(projectId).toBe('sim-project');
    await vpsie!.listVms({ projectId: projectId! });
    expect(s.sim.calls().map((c) => c.operation).filter((op) => op === 'login')).toEqual(['login']);
    expect(vpsie!.loginMode).toEqual({ body: 'form', bearer: true, vpsieAuth: false });
  });

  it('unreadable rows: the metric hook is called and a warning logged; the resolved project is logged', async () => {
    const s = await sim();
    const { logger, lines } = recordingLogger();
    const counted: UnreadableRowsEvent[] = [];
    const { vpsie } = await connectVpsie({ kube: secretKube({ token: 'sim-token', deletePassword: 'pw', projectId: '7' }), settings: settings(s.url, { body: 'auto', header: 'auto' }), logger, clientOptions: { onUnreadableRows: (e) => counted.push(e) } });
    s.sim.inject({ kind: 'unreadableRows', match: { operation: 'listScripts' } });
    await vpsie!.listScripts();
    expect(counted).toHaveLength(1);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([expect.stringMatching(/^VPSie listScripts: 1 row\(s\) could not be read/)]);
    await expect.poll(() => lines.find((l) => l.level === 'info' && /^VPSie project "7" is sim-project \(id 7\)/.test(l.message ?? ''))).toBeDefined();
  });

  it('a project that does not resolve is logged as an error at start-up', async () => {
    const s = await sim();
    const { logger, lines } = recordingLogger();
    await connectVpsie({ kube: secretKube({ token: 'sim-token', deletePassword: 'pw', projectId: 'prod' }), settings: settings(s.url, { body: 'auto', header: 'auto' }), logger });
    await expect.poll(() => lines.find((l) => l.level === 'error')?.message).toBe('VPSie project could not be resolved; VMs are not listed, created or deleted until it is');
  });
});
