import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import { NodeGoneError, NodeNotManagedError, patchNodeWithRetry } from './node-patch.ts';
import { liveGroupNodes } from './live-checks.ts';
import { failed, GuardRefusal, succeeded, type CommandHandler } from './types.ts';

/** Set on a node the autoscaler cordoned, so that an abort uncordons only what it cordoned itself. */
export const CORDONED_BY_AUTOSCALER = 'autoscaler.vpsie.com/cordoned';

/** Taint autoscaler.vpsie.com/to-be-deleted:NoSchedule and cordon (the first step of a removal). */
export const taintNode: CommandHandler<'taintNode'> = async (command, ctx) => {
  // minNodes again on the group's Nodes as the API server has them now: the watch cache may lag.
  const min = ctx.guard.checkMinNodes(command.node, command.nodeGroup, await liveGroupNodes(ctx.kube, command.nodeGroup.name));
  if (!min.allowed) throw new GuardRefusal(min.rule, min.message);
  try {
    const result = await patchNodeWithRetry(ctx.kube, command.node, command.nodeGroup.name, (node) => {
      const taints = node.spec?.taints ?? [];
      const tainted = taints.some((t) => t.key === TO_BE_DELETED_TAINT && t.effect === 'NoSchedule');
      const cordoned = node.spec?.unschedulable === true;
      if (tainted && cordoned) return undefined;
      return {
        // Merge patch replaces the list: send the full list, ours added. The value records when (as Cluster Autoscaler does).
        spec: {
          taints: tainted ? taints : [...taints, { key: TO_BE_DELETED_TAINT, value: String(Math.floor(ctx.clock.now() / 1000)), effect: 'NoSchedule' }],
          unschedulable: true,
        },
        ...(cordoned ? {} : { metadata: { annotations: { [CORDONED_BY_AUTOSCALER]: 'true' } } }),
      };
    });
    return succeeded(result === 'changed' ? `tainted and cordoned ${command.node}` : `${command.node} was already tainted and cordoned`);
  } catch (error) {
    if (error instanceof NodeGoneError) return failed(error.message, false, { gone: true });
    if (error instanceof NodeNotManagedError) return failed(error.message, false);
    throw error;
  }
};

/** Remove the taint and uncordon, unless someone else had cordoned the node (an aborted drain). */
export const untaintNode: CommandHandler<'untaintNode'> = async (command, ctx) => {
  try {
    const result = await patchNodeWithRetry(ctx.kube, command.node, command.nodeGroup.name, (node) => {
      const taints = node.spec?.taints ?? [];
      const kept = taints.filter((t) => t.key !== TO_BE_DELETED_TAINT);
      const ourCordon = node.metadata.annotations?.[CORDONED_BY_AUTOSCALER] === 'true';
      if (kept.length === taints.length && !ourCordon) return undefined;
      return {
        spec: { taints: kept, ...(ourCordon ? { unschedulable: false } : {}) },
        ...(ourCordon ? { metadata: { annotations: { [CORDONED_BY_AUTOSCALER]: null } } } : {}),
      };
    });
    return succeeded(result === 'changed' ? `untainted and uncordoned ${command.node}` : `${command.node} had no autoscaler taint`);
  } catch (error) {
    if (error instanceof NodeGoneError) return succeeded(`${command.node} is gone; nothing to untaint`, { gone: true });
    if (error instanceof NodeNotManagedError) return failed(error.message, false);
    throw error;
  }
};
