import type { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import type { BootstrapDeliveryMode } from '../../forwarder/vpsie/bootstrap-delivery.ts';
import type { VpsieClient } from '../../forwarder/vpsie/index.ts';
import type { CheckResult } from './check.ts';
import { checkJoinEndpoint, checkRbac, checkTemplate } from './cluster-checks.ts';
import { checkFunctions } from './functions-check.ts';
import { checkCredentials, checkNodeGroup, checkProject, type DoctorNodeGroup } from './vpsie-checks.ts';

// Every doctor check, in order. The cluster is optional only for tests of the VPSie side: without
// it the cluster checks fail (they are never skipped silently).

export type DoctorInput = {
  client: VpsieClient;
  credentialMode: string;
  vpsieUrl: string;
  project: string | undefined;
  /** NodeGroups, read from the cluster by the command (or given by a test). */
  nodeGroups: DoctorNodeGroup[] | { error: string };
  kube: KubeHttp | undefined;
  rbacYaml: string;
  rbacSubject: 'serviceaccount' | 'self';
  joinEndpoint: string | undefined;
  functions: { url: string | undefined; clusterId: string | undefined; signingKey: string | undefined };
  nowMs: number;
  /** The forwarder's vpsie.bootstrapDelivery, for NodeGroups that do not set theirs. */
  bootstrapDelivery?: BootstrapDeliveryMode;
};

export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const credentials = await checkCredentials(input.client, input.credentialMode, input.vpsieUrl);
  checks.push(credentials);
  if (credentials.ok) {
    checks.push((await checkProject(input.client, input.project)).check);
  }
  if (Array.isArray(input.nodeGroups)) {
    if (input.nodeGroups.length === 0) checks.push({ name: 'NodeGroups', ok: false, detail: 'none found', fix: 'create a NodeGroup (vpsie-autoscaler catalog -o yaml prints one)' });
    for (const group of input.nodeGroups) {
      if (credentials.ok) checks.push(...(await checkNodeGroup(input.client, group)));
      checks.push(input.kube ? await checkTemplate(input.kube, group, input.bootstrapDelivery) : { name: `NodeGroup ${group.namespace}/${group.name} bootstrap`, ok: false, detail: 'no cluster connection', fix: 'give --kubeconfig' });
    }
  } else {
    checks.push({ name: 'NodeGroups', ok: false, detail: `could not be listed: ${input.nodeGroups.error}`, fix: 'check --kubeconfig and that the NodeGroup CRD is installed (infra/crds/)' });
  }
  checks.push(checkJoinEndpoint(input.joinEndpoint));
  checks.push(input.kube ? await checkRbac(input.kube, input.rbacYaml, input.rbacSubject) : { name: 'forwarder RBAC', ok: false, detail: 'no cluster connection', fix: 'give --kubeconfig' });
  checks.push(await checkFunctions({ ...input.functions, nowMs: input.nowMs }));
  return checks;
}
