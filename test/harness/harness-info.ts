/** What the global setup provides to every integration test (`inject('harness')`, or `useHarness().info`). */
export interface HarnessInfo {
  /** Admin kubeconfig (token user in system:masters). */
  kubeconfigPath: string;
  apiServerUrl: string;
  /** dynalite, http://127.0.0.1:<port>; region us-east-1, any credentials. */
  dynamoEndpoint: string;
  /** The state table created from infra/dynamodb/state-table.yml. */
  tableName: string;
  binDir: string;
  /** The run folder: component logs (<name>.log), etcd data, keys, kubeconfigs. */
  tmpDir: string;
}

declare module 'vitest' {
  interface ProvidedContext {
    harness: HarnessInfo;
  }
}
