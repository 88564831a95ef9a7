import { KubeApiError } from '../kube/kube-http.ts';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import { nodePath, type KubeNodeObject } from './node-patch.ts';
import { failed, succeeded, type CommandHandler } from './types.ts';

export const deleteNode: CommandHandler<'deleteNode'> = async (command, ctx) => {
  let node: KubeNodeObject;
  try {
    node = await ctx.kube.request<KubeNodeObject>({ method: 'GET', path: nodePath(command.node) });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return succeeded(`node ${command.node} is already gone`, { gone: true });
    throw error;
  }
  // Checked on the fresh object, not only the cache.
  const label = node.metadata.labels?.[NODEGROUP_LABEL];
  if (label !== command.nodeGroup.name) return failed(`node ${command.node} carries ${NODEGROUP_LABEL}=${label ?? '(none)'}, not ${command.nodeGroup.name}`, false);
  try {
    await ctx.kube.request({
      method: 'DELETE',
      path: nodePath(command.node),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: node.metadata.uid } },
    });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return succeeded(`node ${command.node} is already gone`, { gone: true });
    throw error;
  }
  ctx.guardrails.recordDeletion(command.node);
  return succeeded(`deleted node ${command.node}`);
};
