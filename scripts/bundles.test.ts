import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertAscii, buildBundle, BundleError } from './bundles.ts';

describe('bundles', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('refuses a bundle with a character beyond ASCII and says where it is', () => {
    const code = Buffer.from('const a=1;const r=/[$\u20ac,\\s]/g;');
    expect(() => assertAscii('forwarder', code)).toThrow(BundleError);
    expect(() => assertAscii('forwarder', code)).toThrow(/non-ASCII character at byte 21.*\/\[\$/);
    expect(() => assertAscii('forwarder', Buffer.from('const r=/[$\\u20ac]/;'))).not.toThrow();
  });

  it('builds the forwarder as plain ASCII with a linked source map and readable names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bundle-test-'));
    dirs.push(dir);
    const { outfile, bytes } = await buildBundle('forwarder', join(dir, 'main.mjs'));
    const code = await readFile(outfile);
    expect(bytes).toBe(code.length);
    expect(code.every((byte) => byte <= 0x7f)).toBe(true);
    expect(code.toString('latin1')).toMatch(/\/\/# sourceMappingURL=main\.mjs\.map\s*$/);
    expect(code.toString('latin1')).toContain('"KubeApiError"');
  }, 60_000);
});
