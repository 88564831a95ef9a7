// The releaseNode commands that come one after another in a plan go out as one wave (issue #22):
// every node's pods are nominated first, and only then does any node lose its startup taint.
//
// Why: kube-scheduler counts a pod nominated for a node against that node, but only once the node
// takes pods. A node untainted on its own makes the scheduler retry every pending pod at once
// (a Node update that may make them schedulable); the pods planned for the nodes released after it
// are not nominated yet, or nominated for a node still tainted, and take whatever room the
// untainted node has left. Released one by one (~0.5 s each, 20 nodes ~10 s), the 300-pod burst of
// the Karpenter bench ended with 1 to 3 pods fitting nowhere, and a node more was bought for them.
// In a wave the taints go within a few requests of each other, after every nomination, and each pod
// finds its own node first.
//
// A nomination does not make the scheduler retry a pod (a status change is not a pod update to its
// queue), so nominations written while their node is still tainted are not cleared by a failed
// attempt in between, unless some other cluster event moves the pod first.

/**
 * The wave's participants, by command id: each says once that it is ready to untaint, or leaves
 * (refused, failed, node gone, already run); the taints go when every one has done either. Saying
 * it again is a no-op, so the executor can make sure of it on every path out of a command.
 */
export class ReleaseWave {
  private readonly waiting: Set<string>;
  private readonly all: Promise<void>;
  private open!: () => void;

  constructor(ids: readonly string[]) {
    this.waiting = new Set(ids);
    this.all = new Promise<void>((resolve) => { this.open = resolve; });
    if (this.waiting.size === 0) this.open();
  }

  /** This participant will not untaint (or already has): the others need not wait for it. */
  leave(id: string): void {
    if (this.waiting.delete(id) && this.waiting.size === 0) this.open();
  }

  /** This participant's nominations are written: resolves once every participant's are (or it left). */
  ready(id: string): Promise<void> {
    this.leave(id);
    return this.all;
  }
}
