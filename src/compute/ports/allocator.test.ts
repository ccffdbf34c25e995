import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../models/bacerrors.js';
import type { NetworkConfig, Port } from '../../models/network.js';
import { freePort } from '../../../test/helpers/ports.js';
import { canListen, PortAllocator, portRangeProblems } from './allocator.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function hold(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  servers.push(server);
}

const host = (...ports: Port[]): NetworkConfig => ({ Type: 'Host', Ports: ports });
const dynamic = (Name: string): Port => ({ Name });
/** A fake host where only `taken` ports are bound by others. */
const probeExcept =
  (...taken: number[]) =>
  (port: number): Promise<boolean> =>
    Promise.resolve(!taken.includes(port));

describe('PortAllocator', () => {
  it('allocates dynamic ports from the range, round-robin', async () => {
    const allocator = new PortAllocator({ rangeStart: 30000, rangeEnd: 30002, probe: probeExcept() });
    const ports = await allocator.allocate('e-1', host(dynamic('a'), dynamic('b')));
    expect(ports).toEqual([
      { Name: 'a', Static: 30000 },
      { Name: 'b', Static: 30001 },
    ]);
    expect(allocator.availableInRange).toBe(1);
  });

  it('skips ports another process listens on (real bind check)', async () => {
    // a free port whose neighbour is free too: the neighbour is what the allocator should hand out
    let taken = await freePort();
    for (let tries = 0; tries < 20 && !(await canListen(taken + 1)); tries++) taken = await freePort();
    await hold(taken);
    expect(await canListen(taken)).toBe(false);
    const allocator = new PortAllocator({ rangeStart: taken, rangeEnd: taken + 1 });
    const [port] = await allocator.allocate('e-1', host(dynamic('web')));
    expect(port?.Static).toBe(taken + 1);
  });

  it('releases on release, idempotently, and hands a released port out again', async () => {
    const allocator = new PortAllocator({ rangeStart: 30000, rangeEnd: 30001, probe: probeExcept() });
    await allocator.allocate('e-1', host(dynamic('a'), dynamic('b')));
    await expect(allocator.allocate('e-2', host(dynamic('c')))).rejects.toThrow(/no available ports/);
    allocator.release('e-1');
    allocator.release('e-1');
    expect(allocator.availableInRange).toBe(2);
    expect(await allocator.allocate('e-2', host(dynamic('c')))).toEqual([{ Name: 'c', Static: 30000 }]);
  });

  it('names the range keys when the range is exhausted, and holds nothing after a failure', async () => {
    const allocator = new PortAllocator({ rangeStart: 30000, rangeEnd: 30002, probe: probeExcept(30002) });
    await expect(
      allocator.allocate('e-1', host(dynamic('a'), dynamic('b'), dynamic('c'))),
    ).rejects.toMatchObject({
      code: ErrorCode.ResourceExhausted,
      message: 'no available ports in range 30000-30002',
      hint: expect.stringContaining('Compute.Network.PortRangeStart/PortRangeEnd') as string,
    });
    expect(allocator.availableInRange).toBe(3);
  });

  it('uses static ports as given, and refuses one another execution or process holds', async () => {
    const allocator = new PortAllocator({ rangeStart: 30000, rangeEnd: 30010, probe: probeExcept(8081) });
    expect(await allocator.allocate('e-1', host({ Name: 'web', Static: 8080 }))).toEqual([
      { Name: 'web', Static: 8080 },
    ]);
    await expect(allocator.allocate('e-2', host({ Name: 'web', Static: 8080 }))).rejects.toMatchObject({
      code: ErrorCode.ResourceInUse,
      message: 'port 8080 is already in use by another execution on this node',
    });
    await expect(allocator.allocate('e-3', host({ Name: 'web', Static: 8081 }))).rejects.toMatchObject({
      code: ErrorCode.ResourceInUse,
      message: "port 8081 is in use on this node's host",
    });
    allocator.release('e-1');
    expect(await allocator.allocate('e-2', host({ Name: 'web', Static: 8080 }))).toHaveLength(1);
  });

  it('defaults Bridge targets to the host port and keeps given ones', async () => {
    const allocator = new PortAllocator({ rangeStart: 30000, rangeEnd: 30010, probe: probeExcept() });
    const network: NetworkConfig = {
      Type: 'Bridge',
      Ports: [{ Name: 'web', Target: 80, HostNetwork: '127.0.0.1' }, { Name: 'raw' }],
    };
    expect(await allocator.allocate('e-1', network)).toEqual([
      { Name: 'web', Static: 30000, Target: 80, HostNetwork: '127.0.0.1' },
      { Name: 'raw', Static: 30001, Target: 30001 },
    ]);
  });

  it('allocates nothing for modes without port mappings', async () => {
    const allocator = new PortAllocator({ rangeStart: 30000, rangeEnd: 30010, probe: probeExcept() });
    expect(await allocator.allocate('e-1', { Type: 'None', Ports: [dynamic('a')] })).toEqual([]);
  });

  it('reclaims recorded ports of a re-run without the bind check', async () => {
    const allocator = new PortAllocator({ rangeStart: 30000, rangeEnd: 30010, probe: probeExcept(30005) });
    const ports = await allocator.reclaim('e-1', host({ Name: 'web', Static: 30005 }, dynamic('new')));
    expect(ports.map((p) => p.Static)).toEqual([30005, 30000]);
    await expect(allocator.allocate('e-2', host({ Name: 'x', Static: 30005 }))).rejects.toThrow(
      /another execution/,
    );
  });

  it('never hands one port to two concurrent allocations', async () => {
    const allocator = new PortAllocator({ rangeStart: 30000, rangeEnd: 30003, probe: probeExcept() });
    const all = await Promise.all(
      ['e-1', 'e-2', 'e-3', 'e-4'].map((id) => allocator.allocate(id, host(dynamic('p')))),
    );
    expect(new Set(all.map(([p]) => p?.Static)).size).toBe(4);
  });

  it('checks the configured range like Go, naming the keys', () => {
    expect(portRangeProblems(20000, 32000)).toEqual([]);
    expect(portRangeProblems(80, 70000)).toEqual([
      'Compute.Network.PortRangeStart must be an integer >= 1024: 80',
      'Compute.Network.PortRangeEnd must be an integer <= 65535: 70000',
    ]);
    expect(portRangeProblems(3000, 3000)).toEqual([
      'Compute.Network.PortRangeStart (3000) must be less than PortRangeEnd (3000)',
    ]);
    expect(() => new PortAllocator({ rangeStart: 3000, rangeEnd: 2000 })).toThrow(/PortRangeStart/);
  });
});
