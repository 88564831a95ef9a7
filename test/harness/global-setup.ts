import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { cacheBinDir, hasAllBinaries, resolveBinDir } from './binaries.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { startDynamo, type Dynamo } from './dynamo.ts';
import type { HarnessInfo } from './harness-info.ts';

// Vitest global setup of the `integration` project: one control plane and one store per run.
// The SDK's "Node 20 will be unsupported in 2027" warning would repeat in every worker's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const BUILD_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'build-binaries.sh');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedMs = Date.now();
  await ensureBinaries();
  const builtMs = Date.now();

  const [controlPlane, dynamo] = await Promise.allSettled([startControlPlane(), startDynamo()]);
  if (controlPlane.status === 'rejected' || dynamo.status === 'rejected') {
    await stopAll(controlPlane.status === 'fulfilled' ? controlPlane.value : undefined, dynamo.status === 'fulfilled' ? dynamo.value : undefined);
    throw controlPlane.status === 'rejected' ? controlPlane.reason : (dynamo as PromiseRejectedResult).reason;
  }
  const info: HarnessInfo = {
    kubeconfigPath: controlPlane.value.kubeconfigPath,
    apiServerUrl: controlPlane.value.apiServerUrl,
    dynamoEndpoint: dynamo.value.endpoint,
    tableName: dynamo.value.tableName,
    binDir: controlPlane.value.binDir,
    tmpDir: controlPlane.value.tmpDir,
  };
  project.provide('harness', info);
  console.log(
    `harness: control plane + store ready in ${((Date.now() - builtMs) / 1000).toFixed(1)} s` +
      (builtMs - startedMs > 1_000 ? ` (after building binaries for ${((builtMs - startedMs) / 1000).toFixed(0)} s)` : '') +
      `; api ${info.apiServerUrl}, dynamo ${info.dynamoEndpoint}, logs ${info.tmpDir}`,
  );
  return () => stopAll(controlPlane.value, dynamo.value);
}

async function stopAll(controlPlane: ControlPlane | undefined, dynamo: Dynamo | undefined): Promise<void> {
  await Promise.allSettled([controlPlane?.stop(), dynamo?.stop()]);
}

/** Builds the binaries when they are missing, streaming the build's progress. Never skips: no Go, no run. */
async function ensureBinaries(): Promise<void> {
  if (hasAllBinaries(resolveBinDir())) return;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(
      `the integration tests need kube-apiserver, kube-scheduler, kube-controller-manager, etcd and kwok in ${cacheBinDir()} ` +
        '(or in KUBEBUILDER_ASSETS), and building them needs the Go toolchain, which is not installed: ' +
        'install Go >= 1.25 (https://go.dev/dl) and run `npm run harness:build`',
    );
  }
  console.log(`harness: binaries missing in ${cacheBinDir()}; building them (a cold build takes a while, see test/harness/README.md)`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const build = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
    build.once('error', reject);
    build.once('exit', resolve);
  });
  if (code !== 0 || !hasAllBinaries(resolveBinDir())) {
    throw new Error(`\`bash ${BUILD_SCRIPT}\` failed (exit code ${code}); its output is above`);
  }
}
