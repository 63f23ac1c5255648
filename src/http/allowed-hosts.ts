// Which Host a request may be addressed to. A browser on a developer's machine can be made to send requests to
// 127.0.0.1 under an attacker's name (DNS rebinding: attacker.example resolves to the attacker, then to
// 127.0.0.1), and the Host header is the one thing that still says so. With auth off the service answers only
// requests addressed to a local name or to a name in ALLOWED_HOSTS; with auth on, ALLOWED_HOSTS is enforced
// when set.
import net from 'node:net';
import { hostName } from '../core/host-names.js';

/** Names that always reach this machine's loopback interface. */
export function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

/** True when the listen address is reachable from this machine only. */
export function isLoopbackAddress(address: string): boolean {
  return isLocalHost(hostName(address));
}

export interface HostPolicy {
  authEnabled: boolean;
  allowedHosts: readonly string[];
}

/** Undefined when a request with this Host header may be served; otherwise why not. */
export function hostRefusal(hostHeader: string | undefined, policy: HostPolicy): string | undefined {
  if (policy.authEnabled && policy.allowedHosts.length === 0) return undefined;
  const host = hostHeader === undefined ? '' : hostName(hostHeader);
  if (isLocalHost(host) || policy.allowedHosts.includes(host)) return undefined;
  const shown = hostHeader === undefined ? 'no Host header' : `Host ${JSON.stringify(hostHeader)}`;
  const why = policy.authEnabled ? 'is not in ALLOWED_HOSTS' : 'is not local, and auth is off';
  return `${shown} ${why}: if this name is meant to reach the service, add it to ALLOWED_HOSTS (comma-separated names, e.g. ALLOWED_HOSTS=${host || 'registry.internal'})`;
}
