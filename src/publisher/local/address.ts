/**
 * Where the local publisher's archives are found: the host its URLs name, the interface its server
 * listens on, and the URL itself (Go's `NewLocalPublisher`, `ResolveAddress`, `LocalPublisherServer`).
 * Nothing here sends traffic: address types are resolved from this host's interface list.
 */
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

type Octets = readonly [number, number, number, number];

const isPrivate = ([a, b]: Octets): boolean =>
  a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168);
const isCarrierGradeNat = ([a, b]: Octets): boolean => a === 100 && b >= 64 && b < 128;
const isLoopback = ([a]: Octets): boolean => a === 127;
const isLinkLocalUnicast = ([a, b]: Octets): boolean => a === 169 && b === 254;
const isLinkLocal = (ip: Octets): boolean =>
  isLinkLocalUnicast(ip) || (ip[0] === 224 && ip[1] === 0 && ip[2] === 0);
const isMulticast = ([a]: Octets): boolean => a >= 224 && a < 240;
const isGlobalUnicast = (ip: Octets): boolean =>
  !['0.0.0.0', '255.255.255.255'].includes(ip.join('.')) &&
  !isLoopback(ip) &&
  !isMulticast(ip) &&
  !isLinkLocalUnicast(ip);

/** Go's address types (`network.AddressTypeFromString`): names that stand for an address of this host. */
const addressTypes: Readonly<Record<string, (ip: Octets) => boolean>> = {
  private: (ip) => isPrivate(ip) || isCarrierGradeNat(ip),
  public: (ip) => !isPrivate(ip) && isGlobalUnicast(ip) && !isCarrierGradeNat(ip),
  loopback: isLoopback,
  localhost: isLoopback,
  local: isLoopback,
  linklocal: isLinkLocal,
  multicast: isMulticast,
  any: () => true,
};

/** Whether `name` is one of Go's address types (`local`, `private`, `public`, …), in any case. */
export function isAddressType(name: string): boolean {
  return Object.hasOwn(addressTypes, name.toLowerCase());
}

/**
 * The first IPv4 address of this host of the address type `name` (Go's `GetNetworkAddress`, IPv4 only
 * as its `AllAddresses`), or undefined when the host has none of that kind or `name` is not a type.
 */
export function addressOfType(
  name: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string | undefined {
  const matches = addressTypes[name.toLowerCase()];
  if (matches === undefined) return undefined;
  return Object.values(interfaces)
    .flatMap((infos) => infos ?? [])
    .filter((info) => info.family === 'IPv4')
    .find((info) => matches(info.address.split('.').map(Number) as unknown as Octets))?.address;
}

/**
 * The host the download URLs name: `Publishers.Types.Local.Address` as written (`0.0.0.0` included, as
 * in Go), except an address type, which becomes the first IPv4 address of this host of that kind, or
 * 127.0.0.1 when there is none.
 */
export function advertisedHost(
  address: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  if (!isAddressType(address)) return address;
  return addressOfType(address, interfaces) ?? '127.0.0.1';
}

/**
 * The interface to listen on: a loopback host only there, since its URLs work nowhere else; any other
 * host on every interface (`undefined`), as Go always does, so that an address this host is reached
 * by but does not own (a NAT's public address) works too.
 */
export function listenHost(host: string): string | undefined {
  if (isIP(host) === 4 && host.startsWith('127.')) return host;
  if (host === '::1') return host;
  return undefined;
}

/** `http://<host>:<port>/<name>`, as Go's `url.JoinPath`; IPv6 hosts in brackets. */
export function downloadURL(host: string, port: number, name: string): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/${encodeURIComponent(name)}`;
}
