import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The chart and rule tools built by test/harness/build-tools.sh (same env variables, same cache).

const VERSIONS = {
  helm: process.env.HELM_VERSION ?? 'v3.22.0',
  promtool: process.env.PROMETHEUS_MODULE_VERSION ?? 'v0.316.0',
  kustomize: process.env.KUSTOMIZE_VERSION ?? 'v5.8.2',
} as const;
export type ToolName = keyof typeof VERSIONS;

export function toolPath(name: ToolName): string {
  const cacheRoot = process.env.VPSIE_AUTOSCALER_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vpsie-autoscaler');
  const path = join(cacheRoot, 'tools', `${name}-${VERSIONS[name]}`);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${name} ${VERSIONS[name]} is not built at ${path}: run \`npm run tools:build\` (test/harness/build-tools.sh, needs Go and the Go module proxy)`);
  }
  return path;
}

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (bounded output and time); a non-zero exit is returned, not thrown. */
export async function runTool(name: ToolName, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<ToolRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(toolPath(name), args, { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}
