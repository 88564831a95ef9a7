import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepLogs } from './keep-logs.ts';

describe('demo: keepLogs', () => {
  it('copies the *.log files of each run folder under its prefix, skipping other files and missing folders', () => {
    const base = mkdtempSync(join(tmpdir(), 'keep-logs-'));
    const stack = join(base, 'stack');
    mkdirSync(join(stack, 'etcd'), { recursive: true });
    writeFileSync(join(stack, 'forwarder-0.log'), 'forwarder line\n');
    writeFileSync(join(stack, 'functions.log'), 'functions line\n');
    writeFileSync(join(stack, 'sa.key'), 'secret');
    const into = join(base, 'kept');
    const copied = keepLogs([{ prefix: 'stack', dir: stack }, { prefix: 'gone', dir: join(base, 'absent') }], into);
    expect(copied.map((p) => p.slice(into.length + 1)).sort()).toEqual(['stack-forwarder-0.log', 'stack-functions.log']);
    expect(readdirSync(into).sort()).toEqual(['stack-forwarder-0.log', 'stack-functions.log']);
    expect(readFileSync(join(into, 'stack-functions.log'), 'utf8')).toBe('functions line\n');
  });
});
