#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so `npx vpsie-autoscaler …` works after `npm install`
// without a build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const main = new URL('../cli/main.ts', import.meta.url);
const { run } = await import(fileURLToPath(main));
process.exitCode = await run(process.argv.slice(2));
