import { describe, expect, it } from 'vitest';
import { parseProxyUrl, ProxyConfigError, proxyFor } from './proxy-env.ts';

// Go's httpproxy rules (what kubectl does): the variable per scheme, loopback never, NO_PROXY entries.

const via = (target: string, env: Record<string, string>) => proxyFor(new URL(target), env)?.href;
const PROXY = { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'http://plain.corp:8080' };

describe('proxyFor', () => {
  it('takes HTTPS_PROXY for https:// and HTTP_PROXY for http:// targets, upper case first, then lower case', () => {
    expect(via('https://kube.corp:6443', PROXY)).toBe('http://proxy.corp:3128/');
    expect(via('http://kube.corp', PROXY)).toBe('http://plain.corp:8080/');
    expect(via('https://kube.corp', { https_proxy: 'http://lower:1' })).toBe('http://lower:1/');
    expect(via('https://kube.corp', { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1' })).toBe('http://upper:1/');
    expect(via('https://kube.corp', { HTTP_PROXY: 'http://plain:1' })).toBeUndefined();
    expect(via('https://kube.corp', {})).toBeUndefined();
  });

  it('never proxies localhost or a loopback address', () => {
    for (const target of ['https://localhost:6443', 'https://127.0.0.1:6443', 'https://127.8.9.10', 'https://[::1]:6443']) expect(via(target, PROXY), target).toBeUndefined();
  });

  it('bypasses NO_PROXY entries: *, domains with their subdomains, .subdomains only, IPs, CIDR ranges, ports', () => {
    const env = (noProxy: string) => ({ ...PROXY, NO_PROXY: noProxy });
    expect(via('https://kube.corp', env('*'))).toBeUndefined();
    expect(via('https://corp.example', env('corp.example'))).toBeUndefined();
    expect(via('https://api.corp.example', env(' other.test , corp.example'))).toBeUndefined();
    expect(via('https://corp.example', env('.corp.example'))).toBe('http://proxy.corp:3128/');
    expect(via('https://api.corp.example', env('.corp.example'))).toBeUndefined();
    expect(via('https://notcorp.example', env('corp.example'))).toBe('http://proxy.corp:3128/');
    expect(via('https://10.1.2.3:6443', env('10.1.2.3'))).toBeUndefined();
    expect(via('https://10.1.2.3:6443', env('10.0.0.0/8'))).toBeUndefined();
    expect(via('https://11.1.2.3:6443', env('10.0.0.0/8'))).toBe('http://proxy.corp:3128/');
    expect(via('https://[fd00::5]:6443', env('fd00::/8'))).toBeUndefined();
    expect(via('https://[fd00::5]:6443', env('[fd00::5]:6443'))).toBeUndefined();
    expect(via('https://kube.corp:6443', env('kube.corp:6443'))).toBeUndefined();
    expect(via('https://kube.corp:443', env('kube.corp:6443'))).toBe('http://proxy.corp:3128/');
    expect(via('https://kube.corp', env('KUBE.CORP'))).toBeUndefined();
    expect(via('https://kube.corp', { ...PROXY, no_proxy: 'kube.corp' })).toBeUndefined();
  });
});

describe('parseProxyUrl', () => {
  it('reads a proxy without a scheme as http://, keeps https:// proxies and credentials', () => {
    expect(parseProxyUrl('proxy.corp:3128').href).toBe('http://proxy.corp:3128/');
    expect(parseProxyUrl('https://u:p@proxy.corp').username).toBe('u');
  });

  it('refuses what it cannot use, saying so', () => {
    expect(() => parseProxyUrl('socks5://proxy:1080')).toThrow(ProxyConfigError);
    expect(() => parseProxyUrl('socks5://proxy:1080')).toThrow('proxy socks5:// is not supported');
    expect(() => parseProxyUrl('http://[bad')).toThrow(/is not a URL/);
  });
});
