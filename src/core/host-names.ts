// Host names as compared everywhere: in the configuration (HOST, ALLOWED_HOSTS) and against a request's Host
// header (allowed-hosts.ts). One spelling, so that "Registry.Internal.:443" and "registry.internal" are one name.
import net from 'node:net';

/** A host name as compared: lower case, without port, brackets or a trailing dot. */
export function hostName(value: string): string {
  let host = value.trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) host = bracketed[1]!;
  else if (net.isIP(host) !== 6) host = host.replace(/:\d*$/, '');
  return host.replace(/\.$/, '');
}
