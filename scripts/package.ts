// `npm run package [-- --stage <s> --region <r>]`: builds the Lambda bundle (scripts/build.ts) and runs
// the Serverless CLI's `package` (osls, the open-source fork of Serverless Framework v3: no login, no
// binary download). It needs no AWS account: nothing in serverless.yml is resolved from AWS at
// package time, and the SDK inside the CLI gets dummy credentials. Leaves .serverless/ with
// cloudformation-template-update-stack.json (tested by test/functions/serverless-template.test.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { stage: { type: 'string', default: 'dev' }, region: { type: 'string', default: 'us-east-1' } } });

function step(title: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  process.stdout.write(`package: ${title}\n`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    process.stderr.write(`package: ${title} failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
}

step('build dist/functions/lambda.mjs', process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build.ts', 'functions']);

const osls = join(ROOT, 'node_modules/osls/bin/serverless.js');
if (!existsSync(osls)) {
  process.stderr.write('package: the Serverless CLI is missing; run `npm install` (devDependency osls)\n');
  process.exit(1);
}
step(`osls package --stage ${values.stage} --region ${values.region}`, process.execPath, [osls, 'package', '--stage', values.stage!, '--region', values.region!], {
  ...process.env,
  // Packaging talks to no AWS API, but the SDK in the CLI wants credentials to exist.
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'AKIAPACKAGEONLY00000',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'package-only-not-a-real-secret',
  AWS_REGION: values.region,
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  SLS_DEPRECATION_DISABLE: '*',
  SLS_INTERACTIVE_SETUP_DISABLE: '1',
});
const template = join(ROOT, '.serverless/cloudformation-template-update-stack.json');
if (!existsSync(template)) {
  process.stderr.write(`package: ${template} was not written\n`);
  process.exit(1);
}
process.stdout.write(`package: wrote ${template}\n`);
