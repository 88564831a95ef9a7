import { parseNodeGroupSpec, NodeGroupValidationError } from '../../shared/nodegroup.ts';
import { clusterMarker } from '../../shared/ownership.ts';
import { KubeApiError } from '../kube/kube-http.ts';
import { BOOTSTRAP_TEMPLATE_LABEL } from '../../shared/labels.ts';
import { errorFields } from '../util/logger.ts';
import { VpsieApiError } from '../vpsie/errors.ts';
import { bootstrapScriptName, resolveDelivery } from '../vpsie/bootstrap-delivery.ts';
import { deleteSettledBootstrapScripts } from '../vpsie/bootstrap-scripts.ts';
import { createBootstrapToken, deleteBootstrapToken } from './bootstrap-token.ts';
import { ensureKubeletFlags, renderTemplate, TemplateError } from './cloud-init.ts';
import { kubeletFlags } from './kubelet-flags.ts';
import { templateValues as bootstrapTemplateValues } from './template-values.ts';
import { failed, succeeded, type CommandHandler } from './types.ts';

// Launch one VM for a group: fresh join token, user data rendered from the group's bootstrap
// template, then VPSie's create. launchVm is idempotent by hostname (it looks the hostname up before
// every retry), and so is this handler: a VM that already exists is reported, not created again.
/** A cloud-init template larger than this (base64) is not a template (VPSie's user data is small too). */
const MAX_TEMPLATE_BASE64 = 256 * 1024;

export const createVm: CommandHandler<'createVm'> = async (command, ctx) => {
  const { namespace, name } = command.nodeGroup;
  const group = ctx.view.nodeGroup(namespace, name);
  if (!group) return failed(`NodeGroup ${namespace}/${name} does not exist`, false, { configError: true });
  if (!ctx.vpsie) return failed('VPSie credentials are not configured (Secret kube-system/vpsie-credentials)', false, { configError: true });
  if (!ctx.vpsieProjectId) return failed('no VPSie project id (key "projectId" of kube-system/vpsie-credentials, or --vpsie-project-id)', false, { configError: true });

  let spec;
  try {
    spec = parseNodeGroupSpec(group.spec, `${namespace}/${name}`);
  } catch (error) {
    if (error instanceof NodeGroupValidationError) return failed(error.message, false, { configError: true });
    throw error;
  }

  const existing = await ctx.vpsie.findVmByHostname(command.hostname, { projectId: ctx.vpsieProjectId });
  if (existing) {
    const identifier = existing.where === 'created' ? existing.vm.identifier : undefined;
    return succeeded(`VM ${command.hostname} exists already (${existing.where})`, { launch: 'existing', where: existing.where, ...(identifier ? { vmIdentifier: identifier } : {}) });
  }

  const bootstrap = spec.bootstrap;
  if (!bootstrap) return failed(`NodeGroup ${namespace}/${name} has no spec.bootstrap.secretName: a new node could not join`, false, { configError: true });
  // IMPORTANT: the template comes from the NodeGroup's own namespace and must carry the template
  // label: a NodeGroup must not be able to name any Secret the forwarder can read (its signing key,
  // VPSie's credentials) and have it rendered into a VM's user data.
  const secretName = `${namespace}/${bootstrap.secretName}`;
  let template: string;
  try {
    const secret = await ctx.kube.request<{ metadata?: { labels?: Record<string, string> }; data?: Record<string, string> }>({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(bootstrap.secretName)}`,
    });
    if (secret.metadata?.labels?.[BOOTSTRAP_TEMPLATE_LABEL] !== 'true') {
      return failed(`Secret ${secretName} is not labelled ${BOOTSTRAP_TEMPLATE_LABEL}=true: it is not used as a bootstrap template`, false, { configError: true });
    }
    const encoded = secret.data?.[bootstrap.key];
    if (encoded === undefined) return failed(`bootstrap Secret ${secretName} has no key "${bootstrap.key}"`, false, { configError: true });
    if (encoded.length > MAX_TEMPLATE_BASE64) return failed(`bootstrap Secret ${secretName} key "${bootstrap.key}" is larger than ${MAX_TEMPLATE_BASE64} bytes`, false, { configError: true });
    template = Buffer.from(encoded, 'base64').toString('utf8');
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 404 || error.status === 403)) {
      return failed(`bootstrap Secret ${secretName} cannot be read (${error.status}); it must be in the NodeGroup's namespace, labelled ${BOOTSTRAP_TEMPLATE_LABEL}=true, and the forwarder needs "get" on Secrets there`, false, { configError: true });
    }
    throw error;
  }

  // The plan's nickname names the node's instance type (as Karpenter and CA name instance types); the
  // identifier goes beside it in the offering label. Region/zone come from the datacenter.
  const plan = ctx.view.offerings().find((o) => o.identifier === command.offeringId && o.datacenterID === command.datacenterID)
    ?? ctx.view.offerings().find((o) => o.identifier === command.offeringId);
  const flags = kubeletFlags(name, spec, plan ?? command.offeringId, { startupTaint: ctx.startupTaint });
  // Render once without a token first: a template that cannot render leaves no join token behind.
  try {
    renderTemplate(template, templateValues('', ''));
  } catch (error) {
    if (error instanceof TemplateError) return failed(`bootstrap template ${secretName}: ${error.message}`, false, { configError: true });
    throw error;
  }
  const token = await createBootstrapToken(ctx.kube, { nowMs: ctx.clock.now(), ttlMs: ctx.join.bootstrapTokenTtlMs, hostname: command.hostname, nodeGroup: name, clusterId: ctx.clusterId });
  const ensured = ensureKubeletFlags(renderTemplate(template, templateValues(token.token, token.id)), flags.args);
  if (ensured.appended) {
    ctx.logger.warn({ nodeGroup: `${namespace}/${name}`, secretName: bootstrap.secretName }, 'the bootstrap template places neither {{kubeletArgs}} nor --node-labels; the kubelet flags were appended as a comment only');
  }
  const userData = ensured.userData;
  const delivery = resolveDelivery(bootstrap.delivery ?? ctx.bootstrapDelivery, userData);
  if (delivery.mode === 'unsupported') {
    await deleteBootstrapToken(ctx.kube, token.id).catch(() => undefined);
    return failed(`NodeGroup ${namespace}/${name}: ${delivery.why}`, false, { configError: true });
  }

  function templateValues(tokenText: string, tokenId: string) {
    return bootstrapTemplateValues({ hostname: command.hostname, token: { text: tokenText, id: tokenId }, join: ctx.join, flags, nodeGroup: name, offering: command.offeringId, clusterId: ctx.clusterId });
  }

  let launch;
  try {
    // Script delivery (issue 15): the rendered bootstrap is stored as a VPSie script and named on the create.
    const scriptIdentifier = delivery.mode === 'script' ? await ctx.vpsie.createScript({ name: bootstrapScriptName(command.hostname), content: userData }) : undefined;
    if (scriptIdentifier) ctx.scriptSweeper?.noteStored(command.hostname);
    launch = await ctx.vpsie.launchVm({
      hostname: command.hostname,
      resourceIdentifier: command.offeringId,
      osIdentifier: command.osImageID,
      dcIdentifier: command.datacenterID,
      projectId: ctx.vpsieProjectId,
      ...(scriptIdentifier ? { scriptIdentifier } : { userData }),
      tags: [`cluster-${ctx.clusterId}`, `nodegroup-${name}`].map((t) => t.slice(0, 64)),
      // The ownership marker (shared/ownership.ts): list rows return notes, so ownership is readable per VM.
      notes: clusterMarker(ctx.clusterId, { namespace, name }),
    });
  } catch (error) {
    // VPSie may still have accepted it (a timeout): the token stays only then; a refusal leaves no token.
    if (error instanceof VpsieApiError && !error.retryable) {
      await deleteBootstrapToken(ctx.kube, token.id).catch((e: unknown) => ctx.logger.warn({ ...errorFields(e), tokenId: token.id }, 'could not delete the join token of a refused launch'));
    }
    throw error;
  }
  if (delivery.mode === 'script') {
    // Scripts of earlier launches that joined (or failed long ago) are deleted here: they hold join tokens.
    const vms = ctx.view.vms();
    await deleteSettledBootstrapScripts(ctx.vpsie, { nodeReady: (h) => ctx.view.node(h)?.ready === true, vmHostnames: () => (vms ? new Set(vms.map((v) => v.hostname)) : null) }, { hostnamePrefix: ctx.guardrails.options.cluster.hostnamePrefix, nowMs: ctx.clock.now() })
      .catch((e: unknown) => ctx.logger.warn({ ...errorFields(e) }, 'could not delete settled bootstrap scripts'));
  }
  const identifier = launch.lookup?.where === 'created' ? launch.lookup.vm.identifier : undefined;
  const said = launch.outcome === 'unconfirmed' ? 'sent; VPSie\'s answer was lost, later reconciles look for the VM by hostname' : 'accepted';
  return succeeded(`launch of ${command.hostname} (${command.offeringId}) ${said}`, {
    launch: launch.outcome,
    processId: launch.processId,
    tokenId: token.id,
    ...(identifier ? { vmIdentifier: identifier } : {}),
  });
};
