import { CLUSTER_STATUS_CONFIGMAP, CLUSTER_STATUS_KEY } from '../../shared/cluster-status.ts';
import { KubeApiError } from '../kube/kube-http.ts';
import { succeeded, type CommandHandler } from './types.ts';

// Writes the cluster-wide summary to the ConfigMap vpsie-autoscaler-status in the forwarder's own
// namespace (never anywhere else: the command names no object). The data is JSON, which is YAML too,
// so `kubectl describe configmap vpsie-autoscaler-status` reads as Cluster Autoscaler's status does.
// RBAC: get/patch on that one name, create in the namespace (create cannot be limited by name).

export const updateClusterStatus: CommandHandler<'updateClusterStatus'> = async (command, ctx) => {
  const ns = encodeURIComponent(ctx.namespace);
  const data = { [CLUSTER_STATUS_KEY]: `${JSON.stringify(command.status, null, 2)}\n` };
  const summary = `${command.status.health}; ${command.status.pendingPods.unschedulable} unschedulable pod(s)`;
  try {
    await ctx.kube.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${CLUSTER_STATUS_CONFIGMAP}`,
      body: { data },
      contentType: 'application/merge-patch+json',
    });
    return succeeded(`cluster status: ${summary}`);
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status !== 404) throw error;
  }
  await ctx.kube.request({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/configmaps`,
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CLUSTER_STATUS_CONFIGMAP, namespace: ctx.namespace, labels: { 'app.kubernetes.io/managed-by': 'vpsie-autoscaler' } },
      data,
    },
  });
  return succeeded(`cluster status created: ${summary}`);
};
