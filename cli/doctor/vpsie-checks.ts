import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { VpsieApiError, VpsieAuthError, VpsieProjectError, type VpsieClient, type VpsiePlan, type VpsieProject } from '../../forwarder/vpsie/index.ts';
import { fail, pass, type CheckResult } from './check.ts';

// The VPSie side of doctor: credentials, the project, and what each NodeGroup names (datacenter,
// OS image, offerings with size and price). Read-only calls only.

export type DoctorNodeGroup = { namespace: string; name: string; spec: unknown };

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function checkCredentials(client: VpsieClient, mode: string, vpsieUrl: string): Promise<CheckResult> {
  const name = 'VPSie credentials';
  try {
    const dcs = await client.listDatacenters();
    const login = client.loginMode;
    const header = login ? [login.vpsieAuth ? 'Vpsie-Auth' : '', login.bearer ? 'Bearer' : ''].filter(Boolean).join(' and ') : '';
    const how = login ? `; login body ${login.body}, token sent as ${header}` : '';
    return pass(name, `${mode} accepted by ${vpsieUrl} (${dcs.length} datacenters visible${how})`);
  } catch (error) {
    if (error instanceof VpsieAuthError) return fail(name, `${mode} refused: ${error.message}`, 'check the token (or clientId/clientSecret) in kube-system/vpsie-credentials, or --token / --client-id / --client-secret');
    return fail(name, `VPSie could not be reached at ${vpsieUrl}: ${message(error)}`, 'check --vpsie-url and the network path to the VPSie API');
  }
}

/** A project given as numeric id, UUID or name, resolved through /apps/v2/projects. */
export async function checkProject(client: VpsieClient, wanted: string | undefined): Promise<{ check: CheckResult; project: VpsieProject | undefined }> {
  const name = 'VPSie project';
  if (!wanted) return { check: fail(name, 'no project given', 'pass --project <id|uuid|name> (key "projectId" of the credentials Secret)'), project: undefined };
  try {
    // The forwarder's own resolution (id, then UUID, then a unique name): what doctor accepts, it accepts.
    const project = await client.resolveProject(wanted);
    return { check: pass(name, `${project.name}: id ${project.id}, UUID ${project.identifier}`), project };
  } catch (error) {
    if (error instanceof VpsieProjectError) return { check: fail(name, error.message, 'use one of the known projects, by numeric id, UUID or name'), project: undefined };
    return { check: fail(name, `projects could not be listed: ${message(error)}`, 'check the credentials first'), project: undefined };
  }
}

const size = (p: VpsiePlan) => `${p.cpu} CPU, ${Math.round(p.ramMb / 1024)} GiB, ${p.ssdGb ?? '?'} GB disk, ${p.priceMonthly.toFixed(2)}/month`;

export async function checkNodeGroup(client: VpsieClient, group: DoctorNodeGroup): Promise<CheckResult[]> {
  const label = `NodeGroup ${group.namespace}/${group.name}`;
  let spec;
  try {
    spec = parseNodeGroupSpec(group.spec, `${group.namespace}/${group.name}`);
  } catch (error) {
    return [fail(label, message(error), 'fix the NodeGroup spec (kubectl explain nodegroups.spec)')];
  }
  const out: CheckResult[] = [];
  try {
    const dc = (await client.listDatacenters()).find((d) => d.identifier === spec.datacenterID);
    if (!dc || !dc.isActive) {
      out.push(fail(`${label} datacenter`, `datacenter ${spec.datacenterID} ${dc ? 'is not active' : 'does not exist'}`, 'pick one from `vpsie-autoscaler catalog`'));
      return out;
    }
    out.push(pass(`${label} datacenter`, `${dc.name} (${dc.identifier})`));
    const found = new Map<string, VpsiePlan>();
    for (const category of await client.listPlanCategories()) {
      let plans: VpsiePlan[];
      try {
        plans = await client.listPlans({ dcIdentifier: spec.datacenterID, osIdentifier: spec.osImageID, categoryIdentifier: category.identifier });
      } catch (error) {
        if (error instanceof VpsieApiError && /os/i.test(error.apiMessage ?? '')) {
          out.push(fail(`${label} OS image`, `${spec.osImageID} refused in ${dc.name}: ${error.apiMessage}`, 'set spec.osImageID to an OS image identifier VPSie offers there'));
          return out;
        }
        throw error;
      }
      for (const plan of plans) if (spec.offeringIDs.includes(plan.identifier)) found.set(plan.identifier, plan);
    }
    out.push(pass(`${label} OS image`, `${spec.osImageID} accepted in ${dc.name}`));
    for (const id of spec.offeringIDs) {
      const plan = found.get(id);
      out.push(plan ? pass(`${label} offering ${id}`, `${plan.nickname}: ${size(plan)}`) : fail(`${label} offering ${id}`, `no plan ${id} in ${dc.name} for OS ${spec.osImageID}`, 'remove it from spec.offeringIDs or pick one from `vpsie-autoscaler catalog --datacenter … --os-image …`'));
    }
  } catch (error) {
    out.push(fail(label, `catalogue could not be read: ${message(error)}`, 'check the credentials first'));
  }
  return out;
}
