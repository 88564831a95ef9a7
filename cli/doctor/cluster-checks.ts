import { parseAllDocuments } from 'yaml';
import { BOOTSTRAP_TEMPLATE_LABEL } from '../../shared/labels.ts';
import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { PLACEHOLDERS, renderTemplate, type Placeholder } from '../../forwarder/executor/cloud-init.ts';
import type { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { resolveDelivery, type BootstrapDeliveryMode } from '../../forwarder/vpsie/bootstrap-delivery.ts';
import { fail, pass, type CheckResult } from './check.ts';
import type { DoctorNodeGroup } from './vpsie-checks.ts';

// The cluster side of doctor: each NodeGroup's bootstrap template renders and can be delivered, the
// join endpoint is set, and the forwarder's service account holds every permission rbac.yaml grants.

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function checkTemplate(kube: KubeHttp, group: DoctorNodeGroup, defaultDelivery?: BootstrapDeliveryMode): Promise<CheckResult> {
  const name = `NodeGroup ${group.namespace}/${group.name} bootstrap`;
  let spec;
  try {
    spec = parseNodeGroupSpec(group.spec, `${group.namespace}/${group.name}`);
  } catch (error) {
    return fail(name, message(error), 'fix the NodeGroup spec');
  }
  if (!spec.bootstrap) return fail(name, 'no spec.bootstrap.secretName: a new node could not join', 'set spec.bootstrap.secretName to a Secret holding the bootstrap template');
  const ref = `${group.namespace}/${spec.bootstrap.secretName}`;
  let secret: { metadata?: { labels?: Record<string, string> }; data?: Record<string, string> };
  try {
    secret = await kube.request({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(group.namespace)}/secrets/${encodeURIComponent(spec.bootstrap.secretName)}` });
  } catch (error) {
    return fail(name, `Secret ${ref} cannot be read: ${message(error)}`, `create it in the NodeGroup's namespace with key "${spec.bootstrap.key}"`);
  }
  if (secret.metadata?.labels?.[BOOTSTRAP_TEMPLATE_LABEL] !== 'true') return fail(name, `Secret ${ref} is not labelled ${BOOTSTRAP_TEMPLATE_LABEL}=true`, `kubectl label secret -n ${group.namespace} ${spec.bootstrap.secretName} ${BOOTSTRAP_TEMPLATE_LABEL}=true`);
  const encoded = secret.data?.[spec.bootstrap.key];
  if (encoded === undefined) return fail(name, `Secret ${ref} has no key "${spec.bootstrap.key}"`, 'put the template under that key or set spec.bootstrap.key');
  const sample = Object.fromEntries(PLACEHOLDERS.map((p) => [p, `sample-${p}`])) as Record<Placeholder, string>;
  let rendered: string;
  try {
    rendered = renderTemplate(Buffer.from(encoded, 'base64').toString('utf8'), sample);
  } catch (error) {
    return fail(name, `template ${ref} does not render: ${message(error)}`, 'use only the known placeholders');
  }
  const delivery = resolveDelivery(spec.bootstrap.delivery ?? defaultDelivery, rendered);
  if (delivery.mode === 'unsupported') return fail(name, delivery.why, 'set spec.bootstrap.delivery to userData, or make the template a shell script');
  return pass(name, `template ${ref} renders; delivered as ${delivery.mode === 'script' ? 'a stored VPSie script' : 'userData (unproven on /apps/v2/vm: see docs/vpsie-api.md)'}`);
}

export function checkJoinEndpoint(endpoint: string | undefined): CheckResult {
  const name = 'join endpoint';
  if (!endpoint) return fail(name, 'the API server endpoint new nodes join is not set', 'pass --join-endpoint host:port (the forwarder\'s join.apiServerEndpoint)');
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(endpoint)) return fail(name, `"${endpoint}" is not host:port`, 'give it as host:port, e.g. 10.0.0.1:6443');
  return pass(name, endpoint);
}

export type RbacPermission = { group: string; resource: string; subresource?: string; verb: string; namespace?: string; name?: string };

/** Every (group, resource, verb[, namespace, name]) the Roles and ClusterRoles of an RBAC file grant, and its ServiceAccount. */
export function permissionsOf(rbacYaml: string): { permissions: RbacPermission[]; serviceAccount: { namespace: string; name: string } | undefined } {
  const permissions: RbacPermission[] = [];
  let serviceAccount: { namespace: string; name: string } | undefined;
  for (const doc of parseAllDocuments(rbacYaml)) {
    const obj = doc.toJS() as { kind?: string; metadata?: { namespace?: string }; rules?: Array<{ apiGroups?: string[]; resources?: string[]; verbs?: string[]; resourceNames?: string[] }>; subjects?: Array<{ kind?: string; name?: string; namespace?: string }> } | null;
    if (!obj) continue;
    for (const s of obj.subjects ?? []) if (s.kind === 'ServiceAccount' && s.name && s.namespace) serviceAccount ??= { namespace: s.namespace, name: s.name };
    if (obj.kind !== 'Role' && obj.kind !== 'ClusterRole') continue;
    const namespace = obj.kind === 'Role' ? obj.metadata?.namespace : undefined;
    for (const rule of obj.rules ?? []) {
      for (const group of rule.apiGroups ?? ['']) for (const full of rule.resources ?? []) for (const verb of rule.verbs ?? []) {
        const [resource, subresource] = full.split('/');
        for (const name of rule.resourceNames ?? [undefined]) {
          permissions.push({ group, resource: resource!, verb, ...(subresource ? { subresource } : {}), ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) });
        }
      }
    }
  }
  return { permissions, serviceAccount };
}

const describe = (p: RbacPermission) => `${p.verb} ${p.group ? `${p.group}/` : ''}${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.name ? ` ${p.name}` : ''}${p.namespace ? ` in ${p.namespace}` : ''}`;

/**
 * Asks the API server, for each permission, whether the forwarder's ServiceAccount holds it
 * (SubjectAccessReview as that account; with `self`, SelfSubjectAccessReview as the kubeconfig's
 * identity — what a run inside the forwarder's pod checks).
 */
export async function checkRbac(kube: KubeHttp, rbacYaml: string, subject: 'serviceaccount' | 'self'): Promise<CheckResult> {
  const name = 'forwarder RBAC';
  const { permissions, serviceAccount } = permissionsOf(rbacYaml);
  if (subject === 'serviceaccount' && !serviceAccount) return fail(name, 'the RBAC file binds no ServiceAccount', 'check --rbac-file');
  const who = subject === 'self' ? 'this kubeconfig' : `ServiceAccount ${serviceAccount!.namespace}/${serviceAccount!.name}`;
  const missing: string[] = [];
  try {
    for (const p of permissions) {
      const resourceAttributes = { group: p.group, resource: p.resource, verb: p.verb, ...(p.subresource ? { subresource: p.subresource } : {}), ...(p.namespace ? { namespace: p.namespace } : {}), ...(p.name ? { name: p.name } : {}) };
      const sa = serviceAccount!;
      const body = subject === 'self'
        ? { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } }
        : { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: `system:serviceaccount:${sa.namespace}:${sa.name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'] } };
      const plural = subject === 'self' ? 'selfsubjectaccessreviews' : 'subjectaccessreviews';
      const review = await kube.request<{ status?: { allowed?: boolean } }>({ method: 'POST', path: `/apis/authorization.k8s.io/v1/${plural}`, body });
      if (review.status?.allowed !== true) missing.push(describe(p));
    }
  } catch (error) {
    return fail(name, `access reviews failed: ${message(error)}`, 'run doctor with a kubeconfig that may create SubjectAccessReviews (or use --rbac-subject self inside the forwarder pod)');
  }
  if (missing.length > 0) return fail(name, `${who} lacks ${missing.length} of ${permissions.length} permissions: ${missing.slice(0, 6).join('; ')}${missing.length > 6 ? '; …' : ''}`, 'kubectl apply -f infra/forwarder/rbac.yaml (or the Helm chart) for the forwarder\'s namespace');
  return pass(name, `${who} holds all ${permissions.length} permissions of the RBAC file`);
}
