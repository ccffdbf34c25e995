import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../storage/testing/temp-dir.js';
import { cgroupLimits } from './cgroup.js';

describe('cgroupLimits', () => {
  const dir = useTempDir('cgroup-');
  const root = (): string => join(dir.path, 'fs');
  const self = (): string => join(dir.path, 'self-cgroup');
  const put = async (path: string, text: string): Promise<void> => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  };
  const limits = () => cgroupLimits({ root: root(), selfCgroupFile: self() });

  it('finds nothing when cgroups are not readable', async () => {
    expect(await limits()).toEqual({});
  });

  it('cgroup v2: the tightest limit of the cgroup and its ancestors', async () => {
    await put(join(root(), 'cgroup.controllers'), 'cpu memory\n');
    await put(self(), '0::/system.slice/bacalhau.service\n');
    await put(join(root(), 'system.slice/bacalhau.service/cpu.max'), 'max 100000\n');
    await put(join(root(), 'system.slice/bacalhau.service/memory.max'), '2147483648\n');
    await put(join(root(), 'system.slice/cpu.max'), '150000 100000\n');
    await put(join(root(), 'system.slice/memory.max'), 'max\n');
    expect(await limits()).toEqual({ cpu: 1.5, memory: 2 * 1024 ** 3 });
  });

  it("cgroup v2 in a container: the host's path does not exist, the mount holds the limits", async () => {
    await put(join(root(), 'cgroup.controllers'), 'cpu memory\n');
    await put(self(), '0::/docker/abc123\n');
    await put(join(root(), 'cpu.max'), '50000 100000\n');
    await put(join(root(), 'memory.max'), '536870912\n');
    expect(await limits()).toEqual({ cpu: 0.5, memory: 512 * 1024 ** 2 });
  });

  it('cgroup v1: quota over period, and the huge "unlimited" memory number is no limit', async () => {
    await put(self(), '12:memory:/\n4:cpu,cpuacct:/\n');
    await put(join(root(), 'cpu/cpu.cfs_quota_us'), '200000\n');
    await put(join(root(), 'cpu/cpu.cfs_period_us'), '100000\n');
    await put(join(root(), 'memory/memory.limit_in_bytes'), '9223372036854771712\n');
    expect(await limits()).toEqual({ cpu: 2 });
  });

  it('hybrid: the v1 controllers hold the limits although `0::` is listed', async () => {
    await put(self(), '4:memory:/jobs/one\n1:cpu:/\n0::/\n');
    await put(join(root(), 'memory/jobs/memory.limit_in_bytes'), '3221225472\n');
    await put(join(root(), 'memory/jobs/one/memory.limit_in_bytes'), '9223372036854771712\n');
    await put(join(root(), 'cpu.max'), '100000 100000\n');
    expect(await limits()).toEqual({ memory: 3 * 1024 ** 3 });
  });

  it('cgroup v1: a quota of -1 is no limit', async () => {
    await put(self(), '4:cpu,cpuacct:/\n12:memory:/\n');
    await put(join(root(), 'cpu/cpu.cfs_quota_us'), '-1\n');
    await put(join(root(), 'cpu/cpu.cfs_period_us'), '100000\n');
    await put(join(root(), 'memory/memory.limit_in_bytes'), '1073741824\n');
    expect(await limits()).toEqual({ memory: 1024 ** 3 });
  });
});
