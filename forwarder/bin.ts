import { runForwarderCli } from './cli.ts';

// The image's entry point (scripts/bundles.ts bundles this file; `node main.mjs [flags]`). Only this
// file acts on being executed; the CLI (cli.ts) and the composition root (main.ts) are plain modules
// that tests and `npx vpsie-autoscaler forwarder` import.
runForwarderCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`vpsie-autoscaler forwarder: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
