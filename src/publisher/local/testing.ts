/** Test helpers: interface lists as `os.networkInterfaces()` returns them, for address-type resolution. */
import type { NetworkInterfaceInfo } from 'node:os';

/** One IPv4 interface address; a 127.x one is internal, as Node reports loopback. */
export const ipv4Interface = (address: string): NetworkInterfaceInfo => ({
  address,
  family: 'IPv4',
  netmask: '255.255.255.0',
  mac: '00:00:00:00:00:00',
  internal: address.startsWith('127.'),
  cidr: `${address}/24`,
});
