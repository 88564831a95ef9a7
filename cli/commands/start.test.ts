import { describe, expect, it } from 'vitest';
import { defaultLeaseName, parseStartOptions, PRODUCTION_LEASE_NAME, type StartOptions } from './start.ts';

// `npm start` options (issue 14, item 8): dry unless --live, its own Lease unless --lease-name.

function parsed(args: string[]): StartOptions {
  const result = parseStartOptions(args);
  if (typeof result === 'string') throw new Error(`expected options, got "${result}"`);
  return result;
}

describe('start options', () => {
  it('is dry and uses a Lease of its own by default', () => {
    const options = parsed([]);
    expect(options.live).toBe(false);
    expect(options.leaseName).toBe(defaultLeaseName());
    expect(options.leaseName).not.toBe(PRODUCTION_LEASE_NAME);
    expect(options.leaseName.startsWith('vpsie-autoscaler-forwarder-local-')).toBe(true);
  });

  it('goes live only with --live; --lease-name names the Lease', () => {
    expect(parsed(['--live']).live).toBe(true);
    expect(parsed(['--dry-run']).live).toBe(false);
    expect(parsed(['--lease-name', PRODUCTION_LEASE_NAME]).leaseName).toBe(PRODUCTION_LEASE_NAME);
  });

  it('refuses contradictions and bad Lease names with a clear message', () => {
    expect(parseStartOptions(['--live', '--dry-run'])).toBe('--live and --dry-run contradict each other');
    expect(parseStartOptions(['--lease-name', 'Not_A_Name'])).toMatch(/^--lease-name must be a DNS subdomain name .*"Not_A_Name"$/);
  });

  it('makes the user name a DNS label', () => {
    expect(defaultLeaseName('Jane.Doe')).toBe('vpsie-autoscaler-forwarder-local-jane-doe');
    expect(defaultLeaseName('__')).toBe('vpsie-autoscaler-forwarder-local-local');
    expect(defaultLeaseName('x'.repeat(100))).toBe(`vpsie-autoscaler-forwarder-local-${'x'.repeat(40)}`);
  });
});
