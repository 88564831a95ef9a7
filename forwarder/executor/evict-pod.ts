import { KubeApiError } from '../kube/kube-http.ts';
import { failed, succeeded, type CommandHandler } from './types.ts';

// Through the Eviction API only, so PodDisruptionBudgets are honoured.
// IMPORTANT: a 429 (the PDB allows no disruption now) is reported as a retryable failure. It is never
// replaced by a plain pod delete: the forwarder's RBAC does not even allow one.
export const evictPod: CommandHandler<'evictPod'> = async (command, ctx) => {
  const ns = encodeURIComponent(command.namespace);
  const name = encodeURIComponent(command.pod);
  let pod: { metadata?: { uid?: string }; spec?: { nodeName?: string } };
  try {
    pod = await ctx.kube.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${name}` });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return succeeded(`pod ${command.namespace}/${command.pod} is already gone`, { status: 404 });
    throw error;
  }
  if (pod.spec?.nodeName !== command.node) {
    // A pod of the same name, rescheduled elsewhere (StatefulSet): not the one the plan meant.
    return failed(`pod ${command.namespace}/${command.pod} is on ${pod.spec?.nodeName ?? 'no node'}, not on ${command.node}`, false);
  }
  try {
    await ctx.kube.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/pods/${name}/eviction`,
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: command.pod, namespace: command.namespace },
        // Evict exactly the pod that was checked, not a successor with the same name.
        deleteOptions: { preconditions: { uid: pod.metadata?.uid } },
      },
    });
    return succeeded(`evicted ${command.namespace}/${command.pod}`, { status: 201 });
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    if (error.status === 404) return succeeded(`pod ${command.namespace}/${command.pod} is already gone`, { status: 404 });
    if (error.status === 429) return failed(`eviction of ${command.namespace}/${command.pod} refused for now (PodDisruptionBudget): ${error.message}`, true, { status: 429 });
    if (error.status === 409) return succeeded(`pod ${command.namespace}/${command.pod} was replaced meanwhile`, { status: 409 });
    // 500 "more than one PodDisruptionBudget" and other answers: retrying the same eviction will not help soon.
    return failed(error.message, error.status >= 500 && !/more than one/i.test(error.message), { status: error.status });
  }
};
