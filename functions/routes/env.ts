/** Per-request variables of the hono app (set by routes, read by the request log line). */
export interface AppEnv {
  Variables: {
    requestId: string;
    clusterId: string;
    logFields: Record<string, unknown>;
  };
}
