import { KubeApiError } from '../kube/kube-http.ts';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import { hasRemovalTaint, notReadyFor, podsBlockingRemoval } from './live-checks.ts';
import { nodePath, type KubeNodeObject } from './node-patch.ts';
import { failed, GuardRefusal, succeeded, type CommandHandler } from './types.ts';

// Delete a Node — checked on the fresh object and its live pods, not on the cache or the plan:
// - the group label and the to-be-deleted taint (a re-registered Node comes back untainted: it is
//   drained again before it is deleted);
// - no pod bound to it other than DaemonSet, mirror, finished or terminating pods (a pod bound just
//   before the taint may not be in the pod cache yet); on a node NotReady for 5 minutes (its kubelet
//   is gone) pods with a controller do not block either — deleting the Node is what frees them —
//   but pods without one still do;
// - the delete carries the uid precondition: a Node re-created under the same name is not deleted.
export const deleteNode: CommandHandler<'deleteNode'> = async (command, ctx) => {
  let node: KubeNodeObject & { status?: { conditions?: Array<{ type?: string; status?: string; lastTransitionTime?: string }> } };
  try {
    node = await ctx.kube.request<typeof node>({ method: 'GET', path: nodePath(command.node) });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return succeeded(`node ${command.node} is already gone`, { gone: true });
    throw error;
  }
  const label = node.metadata.labels?.[NODEGROUP_LABEL];
  if (label !== command.nodeGroup.name) return failed(`node ${command.node} carries ${NODEGROUP_LABEL}=${label ?? '(none)'}, not ${command.nodeGroup.name}`, false);
  if (!hasRemovalTaint(node)) throw new GuardRefusal('not-tainted', `node ${command.node} does not carry the to-be-deleted taint (re-registered?): it is drained again before it is deleted`);
  const blocking = await podsBlockingRemoval(ctx.kube, command.node, { notReadyForMs: notReadyFor(node, ctx.clock.now()), deadAfterMs: ctx.deadNodeAfterMs });
  if (blocking.length > 0) {
    throw new GuardRefusal('pods-on-node', `node ${command.node} still runs ${blocking.length} pod(s) that must move first: ${blocking.slice(0, 5).join(', ')}${blocking.length > 5 ? ', …' : ''}`);
  }
  // IMPORTANT: recorded before the DELETE (write-ahead): a crash right after it still counts it.
  await ctx.guardrails.ledger.recordDeletion(command.node);
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
  return succeeded(`deleted node ${command.node}`);
};
