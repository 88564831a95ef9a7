import { afterAll, describe, expect, it } from 'vitest';
import { VpsieClient, type VpsieDatacenter, type VpsieProject } from '../../forwarder/vpsie/index.ts';
import { recordingHttp, ShapeRecorder } from './answer-shape.ts';
import { liveSettings } from './live-settings.ts';

// Read-only checks against a real VPSie account (npm run test:live): every call the forwarder and
// doctor make to read, and the answer to a route that does not exist (what "Not found" looks like).
// Each answer's shape is recorded (never a value) to VPSIE_LIVE_SHAPES for correcting the simulator.

const settings = liveSettings(process.env);
const recorder = new ShapeRecorder();
const http = recordingHttp(recorder);
const client = new VpsieClient({ baseUrl: settings.baseUrl, credentials: { kind: 'token', token: settings.token, deletePassword: '' }, http, retry: { maxAttempts: 2 } });
let datacenters: VpsieDatacenter[] = [];
let project: VpsieProject | undefined;

afterAll(() => {
  recorder.write(settings.shapesFile, { recordedAt: new Date().toISOString(), baseUrl: settings.baseUrl, note: 'shapes only (keys and JSON types), no values' });
  process.stdout.write(`test:live: ${recorder.answers.size} endpoint shapes written to ${settings.shapesFile}\n`);
});

describe(`VPSie live (${settings.baseUrl}), read-only`, () => {
  it('the token is accepted and datacenters are listed', async () => {
    datacenters = await client.listDatacenters();
    expect(datacenters.length).toBeGreaterThan(0);
    expect(datacenters.some((dc) => dc.isActive)).toBe(true);
  });

  it('projects list with a numeric id and a UUID each; the configured project resolves', async () => {
    const projects = await client.listProjects();
    expect(projects.length).toBeGreaterThan(0);
    for (const p of projects) {
      expect(p.id).toMatch(/^\d+$/);
      expect(p.identifier).toMatch(/^[0-9a-f-]{36}$/i);
    }
    project = settings.project ? await client.resolveProject(settings.project) : (projects.find((p) => p.isDefault) ?? projects[0]);
    expect(project).toBeDefined();
  });

  it('the VM list of the project and the pending list read completely (no unreadable row)', async () => {
    expect(project, 'the projects check must pass first').toBeDefined();
    const vms = await client.listVmListing({ projectId: project!.id });
    expect(vms.unreadable).toEqual([]);
    for (const vm of vms.vms) expect(vm.projectId === null || vm.projectId === project!.id || vm.projectId === project!.identifier).toBe(true);
    const pending = await client.listPendingListing();
    expect(pending.unreadable).toEqual([]);
    const first = vms.vms[0];
    if (first) expect((await client.getVm(first.identifier))?.identifier).toBe(first.identifier);
  });

  it('plan categories and the plans of one datacenter and OS image', async () => {
    const categories = await client.listPlanCategories();
    expect(categories.length).toBeGreaterThan(0);
    expect(settings.osImage, 'set VPSIE_LIVE_OS to an OS image identifier of the account (there is no public list)').toBeDefined();
    const dc = settings.datacenter ?? datacenters.find((d) => d.isActive)?.identifier;
    expect(dc, 'no active datacenter').toBeDefined();
    let plans = 0;
    for (const category of categories) plans += (await client.listPlans({ dcIdentifier: dc!, osIdentifier: settings.osImage!, categoryIdentifier: category.identifier })).length;
    expect(plans).toBeGreaterThan(0);
  });

  it('stored scripts list', async () => {
    expect(Array.isArray(await client.listScripts())).toBe(true);
  });

  it('a route that does not exist: its answer is recorded (the client must never read it as "VM gone")', async () => {
    const response = await http.request<string>({ baseURL: settings.baseUrl, url: '/apps/v2/vpsie-autoscaler-no-such-route', method: 'GET', headers: { 'Vpsie-Auth': settings.token }, responseType: 'text', transformResponse: [(raw: unknown) => raw], validateStatus: () => true });
    expect(response.status).toBeGreaterThanOrEqual(200);
  });
});
