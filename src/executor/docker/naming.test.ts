import { describe, expect, it } from 'vitest';
import { daemonSocketPath } from './daemon.js';
import { containerName, executionIDFromLabel } from './naming.js';
import { pauseArchitectures, pauseExecutable } from './pause-binary.js';

describe('naming', () => {
  it("names containers as Bacalhau does, and reads execution IDs back from this executor's labels", () => {
    expect(
      containerName({ executorID: 'n1', instanceID: 'i-1', jobID: 'j-1', executionID: 'e-1' }, 'executor'),
    ).toBe('bacalhau-n1-j-1-e-1-executor');
    expect(executionIDFromLabel('n1', 'n1e-1')).toBe('e-1');
    expect(executionIDFromLabel('n1', 'n2e-1')).toBeUndefined();
    expect(executionIDFromLabel('n1', 'n1')).toBeUndefined();
    expect(executionIDFromLabel('n1', undefined)).toBeUndefined();
  });
});

describe('daemonSocketPath', () => {
  it.each([
    [undefined, '/var/run/docker.sock'],
    ['', '/var/run/docker.sock'],
    ['unix:///run/user/1000/docker.sock', '/run/user/1000/docker.sock'],
    ['unix://', '/var/run/docker.sock'],
    ['tcp://10.0.0.1:2376', undefined],
  ])('DOCKER_HOST=%j is %j', (host, path) => {
    expect(daemonSocketPath(host)).toBe(path);
  });
});

describe('pauseExecutable', () => {
  it.each(pauseArchitectures)('is a static 64-bit little-endian ELF executable for %s', (arch) => {
    const elf = pauseExecutable(arch)!;
    expect([...elf.subarray(0, 7)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    expect(elf.readUInt16LE(16)).toBe(2); // ET_EXEC
    expect(elf.readUInt16LE(18)).toBe({ amd64: 0x3e, arm64: 0xb7 }[arch]);
    const entry = Number(elf.readBigUInt64LE(24)) - 0x400000;
    expect(entry).toBe(64 + 56);
    expect(Number(elf.readBigUInt64LE(64 + 32))).toBe(elf.length); // the segment is the whole file
  });

  it('has none for other architectures', () => {
    expect(pauseExecutable('s390x')).toBeUndefined();
  });
});
