import { describe, expect, it } from 'vitest';
import { VpsieClient } from '../../forwarder/vpsie/index.ts';
import { endpointKey, mergeShapes, recordingHttp, shapeOf, ShapeRecorder } from '../live/answer-shape.ts';
import { contractEnv } from './setup.ts';

// The live suite's recorder (test/live/answer-shape.ts): shapes only, never values, so the recorded
// file can be shared and the simulator corrected from it.

describe('answer shapes', () => {
  it('keys and JSON types, arrays as the merged shape of their elements; no value survives', () => {
    const shape = shapeOf({ error: false, data: [{ id: 1, identifier: 'secret-uuid', price: '5.00' }, { id: 2, identifier: 'x', price: 7, extra: null }], total: 2 });
    expect(shape).toEqual({ data: { '[]': { extra: 'absent|null', id: 'number', identifier: 'string', price: 'number|string' } }, error: 'boolean', total: 'number' });
    expect(JSON.stringify(shape)).not.toMatch(/secret-uuid|5\.00/);
    expect(shapeOf({ data: [] })).toEqual({ data: { '[]': 'empty' } });
    expect(mergeShapes({ data: { '[]': 'empty' } }, { data: { '[]': 'string' } })).toEqual({ data: { '[]': 'string' } });
    expect(mergeShapes({ data: 'boolean' }, { data: { rows: 'number' } })).toEqual({ data: 'boolean|object' });
  });

  it('one entry per endpoint: identifiers in paths are placeholders, the query is dropped', () => {
    expect(endpointKey('get', '/apps/v2/vm/2b7f4c1e-7d3a-4f7e-9a51-0c6d1e2f3a4b?x=1')).toBe('GET /apps/v2/vm/{uuid}');
    expect(endpointKey('post', '/apps/v2/k8s/cluster/byId/42/add')).toBe('POST /apps/v2/k8s/cluster/byId/{id}/add');
  });

  it('records what the client reads through it, the token not among it', async () => {
    const env = await contractEnv();
    env.sim.seedVm({ hostname: 'c1-workers-a1' });
    const recorder = new ShapeRecorder();
    const client = new VpsieClient({ baseUrl: env.url, credentials: { kind: 'token', token: 'sim-token', deletePassword: '' }, http: recordingHttp(recorder) });
    await client.listVms({ projectId: 'sim-project' });
    await client.getVm('00000000-0000-4000-8000-000000000000');
    const file = JSON.stringify(recorder.toJSON({}));
    expect([...recorder.answers.keys()].sort()).toEqual(['GET /apps/v2/projects', 'GET /apps/v2/vm', 'GET /apps/v2/vm/{uuid}']);
    expect(recorder.answers.get('GET /apps/v2/vm')!.body).toMatchObject({ data: { '[]': { hostname: 'string', project_id: 'number', is_deleted: 'number' } } });
    expect(recorder.answers.get('GET /apps/v2/vm/{uuid}')!.body).toEqual({ data: 'boolean', error: 'boolean' });
    expect(file).not.toMatch(/sim-token|c1-workers-a1/);
  });
});
