import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { FORWARDER_USER_AGENT, FORWARDER_VERSION } from './version.ts';

describe('FORWARDER_USER_AGENT', () => {
  it('names the forwarder and its package version first, as kubectl names itself', () => {
    expect(FORWARDER_VERSION).toBe(packageJson.version);
    expect(FORWARDER_USER_AGENT.startsWith(`vpsie-autoscaler-forwarder/${packageJson.version} (`)).toBe(true);
    expect(FORWARDER_USER_AGENT).toMatch(/^[\x21-\x7e ]+$/); // a header value: visible ASCII
  });
});
