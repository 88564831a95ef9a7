import { BlockList, isIP } from 'node:net';

// Which proxy a request goes through, from the environment, as kubectl and the Go standard library
// (golang.org/x/net/http/httpproxy) decide it:
// - HTTPS_PROXY (or https_proxy) for https:// targets, HTTP_PROXY (or http_proxy) for http:// ones;
//   a value without a scheme is an http:// proxy ("proxy:3128");
// - never for localhost or a loopback address;
// - NO_PROXY (or no_proxy), comma-separated: "*" (nothing is proxied), an IP address, a CIDR range
//   ("10.0.0.0/8", "fd00::/8"), a domain ("example.com": it and every subdomain; ".example.com":
//   subdomains only), each optionally with a port ("example.com:6443": that port only).
// VPSie requests go through axios, which reads the same variables itself.

export class ProxyConfigError extends Error {
  override name = 'ProxyConfigError';
}

type Env = Record<string, string | undefined>;

const first = (env: Env, ...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');

/** The proxy for `target`, or undefined for a direct connection. Throws on a proxy URL it cannot use. */
export function proxyFor(target: URL, env: Env): URL | undefined {
  const raw = target.protocol === 'https:' ? first(env, 'HTTPS_PROXY', 'https_proxy') : target.protocol === 'http:' ? first(env, 'HTTP_PROXY', 'http_proxy') : undefined;
  if (!raw) return undefined;
  const host = hostOf(target);
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (host === 'localhost' || isLoopback(host)) return undefined;
  if (bypassed(host, port, first(env, 'NO_PROXY', 'no_proxy') ?? '')) return undefined;
  return parseProxyUrl(raw);
}

export function parseProxyUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new ProxyConfigError(`proxy ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ProxyConfigError(`proxy ${url.protocol}// is not supported (http:// and https:// proxies are)`);
  return url;
}

/** The host without IPv6 brackets, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}

function bypassed(host: string, port: string, noProxy: string): boolean {
  for (const rawEntry of noProxy.split(',')) {
    const entry = rawEntry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    const { name, entryPort } = splitPort(entry);
    if (entryPort && entryPort !== port) continue;
    if (isIP(name)) {
      if (name === host) return true;
      continue;
    }
    if (name.startsWith('.')) {
      if (host.endsWith(name)) return true;
    } else if (host === name || host.endsWith(`.${name}`)) {
      return true;
    }
  }
  return false;
}

function splitPort(entry: string): { name: string; entryPort: string | undefined } {
  const bracketed = /^\[(.*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, entryPort: bracketed[2] };
  if (isIP(entry) === 6) return { name: entry, entryPort: undefined };
  const match = /^(.*):(\d+)$/.exec(entry);
  return match ? { name: match[1]!, entryPort: match[2] } : { name: entry, entryPort: undefined };
}

function inCidr(host: string, cidr: string): boolean {
  const [address = '', bits = ''] = cidr.split('/');
  const family = isIP(address);
  if (family === 0 || isIP(host) !== family || !/^\d+$/.test(bits)) return false;
  const list = new BlockList();
  try {
    list.addSubnet(address, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false; // a prefix longer than the address: not a range
  }
  return list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}
