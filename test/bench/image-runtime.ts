import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The forwarder image's runtime settings, read from its Dockerfile so that the benchmark measures
// exactly what the image runs: the Node flags of ENTRYPOINT (between the node binary and the
// bundle) and the variables of ENV.

export const FORWARDER_DOCKERFILE = join(dirname(fileURLToPath(import.meta.url)), '../../infra/forwarder/Dockerfile');

export interface ImageRuntime {
  nodeFlags: string[];
  env: Record<string, string>;
}

export function parseImageRuntime(dockerfile: string): ImageRuntime {
  // Continuation lines (`\` at the end) belong to the instruction above them.
  const instructions = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const entrypoints = instructions.filter((l) => /^ENTRYPOINT\s/i.test(l));
  const last = entrypoints[entrypoints.length - 1];
  if (!last) throw new Error('the Dockerfile has no ENTRYPOINT');
  let argv: unknown;
  try {
    argv = JSON.parse(last.replace(/^ENTRYPOINT\s+/i, ''));
  } catch {
    throw new Error(`ENTRYPOINT must be in exec form (a JSON array): ${last}`);
  }
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string') || argv.length < 2) throw new Error(`ENTRYPOINT is not a list of strings: ${last}`);
  const script = argv.findIndex((a: string, i: number) => i > 0 && !a.startsWith('-'));
  if (!/(^|\/)node$/.test(argv[0] as string) || script < 0) throw new Error(`ENTRYPOINT does not run node with a script: ${last}`);
  const env: Record<string, string> = {};
  for (const line of instructions.filter((l) => /^ENV\s/i.test(l))) {
    for (const match of line.replace(/^ENV\s+/i, '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) env[match[1]!] = match[3] ?? match[2]!;
  }
  return { nodeFlags: (argv as string[]).slice(1, script), env };
}

export function forwarderImageRuntime(): ImageRuntime {
  return parseImageRuntime(readFileSync(FORWARDER_DOCKERFILE, 'utf8'));
}
