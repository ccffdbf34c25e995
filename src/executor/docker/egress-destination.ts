/**
 * Where the egress proxy of an HTTP-mode task may connect, beyond its domain list. Bacalhau's proxy
 * runs in a gateway container, whose loopback is its own; ours runs in the compute node's network
 * namespace (http-gateway.ts). So an allowed name that resolves to this host (loopback, the unspecified
 * address) would hand the task the node's own services: its API, which takes jobs without a token, its
 * result publisher, NATS. Link-local addresses are refused too: a cloud's metadata service answers
 * there, and requests from the host itself pass the hop limit that keeps containers out of it.
 *
 * The name is resolved once, here, and the proxy connects to the address it checked, so a name cannot
 * resolve elsewhere between the check and the connection (DNS rebinding).
 */
import { lookup } from 'node:dns/promises';
import { BlockList } from 'node:net';

const nodeLocal = new BlockList();
nodeLocal.addSubnet('127.0.0.0', 8, 'ipv4');
// "this network": connecting to 0.0.0.0 reaches this host
nodeLocal.addSubnet('0.0.0.0', 8, 'ipv4');
nodeLocal.addSubnet('169.254.0.0', 16, 'ipv4');
nodeLocal.addAddress('::1', 'ipv6');
nodeLocal.addAddress('::', 'ipv6');
nodeLocal.addSubnet('fe80::', 10, 'ipv6');

/** Whether `address` (an IP, IPv4-mapped IPv6 included) is one of this host's own or link-local. */
export function isNodeLocalAddress(address: string, family: 4 | 6): boolean {
  try {
    return nodeLocal.check(address, family === 6 ? 'ipv6' : 'ipv4');
  } catch {
    return true; // not an address BlockList can read (a scoped one, say): not worth the risk
  }
}

/** An address to connect to, or why the proxy refuses the host (its answer's text). */
export type Destination = { address: string; family: 4 | 6 } | { refused: string };

/**
 * The first address of `host` (a name or an IP) that a task may reach; rejects as `dns.lookup` does
 * when the name does not resolve.
 */
export async function resolveDestination(host: string, allowNodeLocal: boolean): Promise<Destination> {
  const addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? (6 as const) : (4 as const),
  }));
  const usable = allowNodeLocal
    ? addresses
    : addresses.filter((a) => !isNodeLocalAddress(a.address, a.family));
  const first = usable[0];
  if (first !== undefined) return first;
  const listed = addresses.map((a) => a.address).join(', ');
  return {
    refused:
      `bacalhau: ${host} resolves to an address of the compute node itself or a link-local one (${listed}), ` +
      'which tasks may not reach through the proxy; use a name that resolves to another host\n',
  };
}
