import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Must agree with test/harness/build-binaries.sh (same env variables, same cache layout).
export const K8S_VERSION = process.env.K8S_VERSION ?? 'v1.35.4';
export const BINARIES = ['etcd', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'kwok'] as const;
export type BinaryName = (typeof BINARIES)[number];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function hasAllBinaries(dir: string): boolean {
  return BINARIES.every((name) => isExecutable(join(dir, name)));
}

export function cacheBinDir(): string {
  const cacheRoot = process.env.VPSIE_AUTOSCALER_CACHE
    ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vpsie-autoscaler');
  return join(cacheRoot, `k8s-${K8S_VERSION}`);
}

/** The folder holding the binaries: KUBEBUILDER_ASSETS when it has them all (envtest convention), else the build cache. */
export function resolveBinDir(): string {
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets && hasAllBinaries(assets)) return assets;
  return cacheBinDir();
}
