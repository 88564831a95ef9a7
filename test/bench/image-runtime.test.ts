import { describe, expect, it } from 'vitest';
import { forwarderImageRuntime, parseImageRuntime } from './image-runtime.ts';

describe('forwarder image runtime (what the benchmark runs)', () => {
  it('reads the Node flags between the binary and the script, and ENV with continuations', () => {
    const runtime = parseImageRuntime([
      'FROM x',
      '# ENTRYPOINT ["/ignored", "a.mjs"]',
      'ENV A=1 \\',
      '    B="two words"',
      'ENV C=3',
      'ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "--optimize-for-size", "/app/main.mjs", "--flag-of-the-app"]',
    ].join('\n'));
    expect(runtime).toEqual({ nodeFlags: ['--max-semi-space-size=1', '--optimize-for-size'], env: { A: '1', B: 'two words', C: '3' } });
  });

  it('refuses a shell-form ENTRYPOINT or one that does not run node', () => {
    expect(() => parseImageRuntime('ENTRYPOINT node /app/main.mjs')).toThrow(/exec form/);
    expect(() => parseImageRuntime('ENTRYPOINT ["/bin/sh", "-c", "x"]')).toThrow(/does not run node/);
    expect(() => parseImageRuntime('FROM x')).toThrow(/no ENTRYPOINT/);
  });

  it('the shipped image runs with a bounded heap and without source maps in memory', () => {
    const { nodeFlags, env } = forwarderImageRuntime();
    // The heap comes from NODE_OPTIONS (the Deployment sets it from its memory limit); a flag on the
    // command line would override it.
    expect(env.NODE_OPTIONS).toBe('--max-old-space-size=96');
    expect(nodeFlags.filter((f) => f.startsWith('--max-old-space-size'))).toEqual([]);
    expect(nodeFlags).not.toContain('--enable-source-maps');
    expect(env.MALLOC_ARENA_MAX).toBe('2');
  });
});
