import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Where the agent reaches a server: its URL, and the one address its host name resolved
 * to, or null to let the system resolve it at each connection (an IP address, a name
 * with one address). `id` names it in the server list, logs and `agent status`.
 */
export interface Endpoint {
  id: string;
  url: string;
  address: { address: string; family: number } | null;
}

/** Every address of a host name (the system's resolver, as `getaddrinfo` gives them). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true });

/**
 * The endpoints of `urls`: a URL whose host name resolves to several addresses becomes
 * one endpoint per address, each tried as a replica (the request still names the host,
 * for the Host header and the TLS server name and certificate check). Resolved once, at
 * start; a name that does not resolve now stays one endpoint, resolved at each connection.
 */
export async function endpointsOf(
  urls: readonly string[],
  resolve: Resolver = systemResolver,
): Promise<Endpoint[]> {
  const endpoints: Endpoint[] = [];
  for (const url of urls) {
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: { address: string; family: number }[] = [];
    if (isIP(host) === 0) addresses = await resolve(host).catch(() => []);
    const unique = [...new Map(addresses.map((a) => [a.address, a])).values()];
    if (unique.length < 2) {
      endpoints.push({ id: url, url, address: null });
      continue;
    }
    for (const address of unique) {
      endpoints.push({ id: `${url} at ${address.address}`, url, address });
    }
  }
  return endpoints;
}
