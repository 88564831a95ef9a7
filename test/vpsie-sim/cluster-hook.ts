export function createClusterHook(_: { kubeconfigPath: string; plans: unknown }): import("./state.ts").SimHook & { close(): Promise<void> } { throw new Error("todo"); }
