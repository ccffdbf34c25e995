/**
 * Where an HTTP-mode task's traffic may go, beyond its domain list: a Docker task's through its egress
 * proxy, a WASM task's HTTP calls (wasm/http-requests.ts). Bacalhau's proxy runs in a gateway
 * container; both of ours connect from the compute node itself (docker/http-gateway.ts), so an allowed
 * name that resolves to this host would hand the task the node's own services: its API, which takes
 * jobs without a token, its result publisher, NATS. Refused: loopback, the unspecified address, every
 * address of this host's interfaces (a Docker bridge's gateway, the LAN address), and link-local
 * addresses, where a cloud's metadata service answers to requests from the host itself.
 *
 * The name is resolved once, here, and the connection goes only to the addresses it checked (see
 * {@link checkedLookup}), so a name cannot resolve elsewhere in between (DNS rebinding).
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, type LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';

const nodeLocal = new BlockList();
nodeLocal.addSubnet('127.0.0.0', 8, 'ipv4');
// "this network": connecting to 0.0.0.0 reaches this host
nodeLocal.addSubnet('0.0.0.0', 8, 'ipv4');
nodeLocal.addSubnet('169.254.0.0', 16, 'ipv4');
nodeLocal.addAddress('::1', 'ipv6');
nodeLocal.addAddress('::', 'ipv6');
nodeLocal.addSubnet('fe80::', 10, 'ipv6');

/** This host's own interface addresses, read at each check: interfaces come and go (a new bridge). */
function ownAddresses(): BlockList {
  const own = new BlockList();
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? [])
      own.addAddress(a.address.split('%')[0] ?? a.address, a.family === 'IPv6' ? 'ipv6' : 'ipv4');
  }
  return own;
}

/**
 * Whether `address` (an IP, IPv4-mapped IPv6 included) is loopback, unspecified or link-local, or is
 * one of `own` (this host's interface addresses).
 */
export function isNodeLocalAddress(address: string, family: 4 | 6, own: BlockList = ownAddresses()): boolean {
  const type = family === 6 ? 'ipv6' : 'ipv4';
  try {
    return nodeLocal.check(address, type) || own.check(address, type);
  } catch {
    return true; // not an address BlockList can read (a scoped one, say): not worth the risk
  }
}

/** The addresses to connect to, or why the proxy refuses the host (its answer's text). */
export type Destination = { addresses: readonly LookupAddress[] } | { refused: string };

/**
 * The addresses of `host` (a name or an IP) that a task may reach; rejects as `dns.lookup` does when
 * the name does not resolve.
 */
export async function resolveDestination(host: string, allowNodeLocal: boolean): Promise<Destination> {
  const addresses = await lookup(host, { all: true, verbatim: true });
  if (allowNodeLocal) return { addresses };
  const own = ownAddresses();
  const usable = addresses.filter((a) => !isNodeLocalAddress(a.address, a.family === 6 ? 6 : 4, own));
  if (usable.length > 0) return { addresses: usable };
  const listed = addresses.map((a) => a.address).join(', ');
  return {
    refused:
      `bacalhau: ${host} resolves to an address of the compute node itself or a link-local one (${listed}), ` +
      'which tasks may not reach through the proxy; use a name that resolves to another host\n',
  };
}

/**
 * A `lookup` for `net.connect` and `http.request` that answers with `addresses` (already checked)
 * instead of asking DNS again; Node still tries them in turn, as with its own. (An IP literal is
 * dialled without a lookup: it is its own, checked, answer.)
 */
export function checkedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0];
    if (options.all === true) callback(null, [...addresses]);
    else if (first !== undefined) callback(null, first.address, first.family);
    else callback(Object.assign(new Error('no address left to connect to'), { code: 'ENOTFOUND' }), '');
  };
}
