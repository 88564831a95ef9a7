// The functions URL carries signed snapshots out and signed plans in. Plain http would show the
// cluster's picture to the network and let anyone on the path delay or drop plans, so it is allowed
// only to this machine (tests, the demo, a local `npm start`), never to another host.

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Why this functions URL must not be used, or undefined: https, or plain http to a loopback host. */
export function functionsUrlProblem(url: URL): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `${url.protocol} is not supported (use https:)`;
  return LOOPBACK_HOST.test(url.hostname) ? undefined : 'http: is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https:';
}
