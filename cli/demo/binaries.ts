import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheBinDir, hasAllBinaries, resolveBinDir } from '../../test/harness/binaries.ts';

// The demo runs a real control plane; its binaries are built once from Go modules and cached
// (test/harness/build-binaries.sh, the same build the tests use).

const BUILD_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../test/harness/build-binaries.sh');

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/** Builds the binaries when missing, streaming the build's output to stderr. */
export async function ensureBinaries(say: (line: string) => void): Promise<void> {
  if (hasAllBinaries(resolveBinDir())) return;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new MissingToolError(
      `the demo runs a local Kubernetes control plane whose binaries (etcd, kube-apiserver, kube-scheduler, ` +
        `kube-controller-manager, kwok) are missing in ${cacheBinDir()}; building them needs the Go toolchain, ` +
        'which is not installed: install Go >= 1.25 (https://go.dev/dl) and run `npm run demo` again ' +
        '(or point KUBEBUILDER_ASSETS at a folder holding those five binaries)',
    );
  }
  say(`control plane binaries missing in ${cacheBinDir()}: building them once from Go modules (a cold build takes about 7 minutes; progress below)`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const build = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', process.stderr, process.stderr] });
    build.once('error', reject);
    build.once('exit', resolve);
  });
  if (code !== 0 || !hasAllBinaries(resolveBinDir())) {
    throw new MissingToolError(`building the control plane binaries failed (bash ${BUILD_SCRIPT} exited with ${code}); its output is above`);
  }
  say('control plane binaries built');
}
