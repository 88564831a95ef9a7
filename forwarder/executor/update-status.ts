import { API_GROUP, API_VERSION, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { KubeApiError } from '../kube/kube-http.ts';
import { failed, succeeded, type CommandHandler } from './types.ts';

/** Writes the status subresource; a merge patch replaces conditions and nodeList as a whole. */
export const updateNodeGroupStatus: CommandHandler<'updateNodeGroupStatus'> = async (command, ctx) => {
  const { namespace, name } = command.nodeGroup;
  try {
    await ctx.kube.request({
      method: 'PATCH',
      path: `/apis/${API_GROUP}/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${NODEGROUP_PLURAL}/${encodeURIComponent(name)}/status`,
      body: { status: command.status },
      contentType: 'application/merge-patch+json',
    });
    return succeeded(`status of ${namespace}/${name}: ${command.status.readyNodes}/${command.status.currentNodes} ready, ${command.status.desiredNodes} desired`);
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return failed(`NodeGroup ${namespace}/${name} does not exist`, false);
    throw error;
  }
};
