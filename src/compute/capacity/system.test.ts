import { statfs } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BacalhauError } from '../../models/bacerrors.js';
import { useTempDir } from '../../storage/testing/temp-dir.js';
import { detectSystemCapacity } from './system.js';
import { fakeTool, nvidiaSample, rocmSample } from './testing.js';

describe('detectSystemCapacity', () => {
  const dir = useTempDir('capacity-');
  /** No cgroup limits and no GPU tools: the machine as Go sees it. */
  const plain = () => ({
    dataDir: dir.path,
    searchPath: dir.path,
    cgroupPaths: { root: join(dir.path, 'none'), selfCgroupFile: join(dir.path, 'none') },
  });

  it("reports the machine's cores, memory and the free space of the data folder's filesystem", async () => {
    const detected = await detectSystemCapacity(plain());
    const fs = await statfs(dir.path);
    expect(detected.CPU).toBe(availableParallelism());
    expect(detected.Memory).toBe(totalmem());
    // Other processes write to the same filesystem meanwhile: within 64 MiB.
    expect(Math.abs(detected.Disk - fs.bfree * fs.bsize)).toBeLessThan(64 * 1024 ** 2);
    expect(detected.GPU).toBe(0);
    expect(detected.GPUs).toBeUndefined();
  });

  it('adds the GPUs nvidia-smi reports', async () => {
    await fakeTool(dir.path, 'nvidia-smi', `printf '${nvidiaSample}'`);
    const detected = await detectSystemCapacity(plain());
    expect(detected.GPU).toBe(2);
    expect(detected.GPUs?.map((g) => g.Name)).toEqual(['Tesla T4', 'Tesla T1']);
  });

  it('adds the GPUs rocm-smi reports (AMD), after NVIDIA ones', async () => {
    await fakeTool(dir.path, 'nvidia-smi', `printf '${nvidiaSample}'`);
    await fakeTool(dir.path, 'rocm-smi', `echo '${rocmSample}'`);
    const detected = await detectSystemCapacity(plain());
    expect(detected.GPU).toBe(3);
    expect(detected.GPUs?.map((g) => g.Vendor)).toEqual(['NVIDIA', 'NVIDIA', 'AMD/ATI']);
  });

  it('goes on without GPUs when nvidia-smi fails, telling the caller why', async () => {
    await fakeTool(dir.path, 'nvidia-smi', 'exit 1');
    const warnings: string[] = [];
    const detected = await detectSystemCapacity({ ...plain(), onWarning: (w) => warnings.push(w) });
    expect(detected.GPU).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Cannot inspect Nvidia GPUs so they will not be used: tool `.*nvidia-smi/);
  });

  it('fails with an IOError naming the folder when the data folder is missing', async () => {
    const missing = join(dir.path, 'missing');
    const err = await detectSystemCapacity({ ...plain(), dataDir: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BacalhauError);
    expect(err).toMatchObject({
      code: 'IOError',
      message: `failed to determine total system capacity: getFreeDiskSpace: unable to get disk space for path ${missing}`,
    });
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopping'));
    await expect(detectSystemCapacity({ ...plain(), signal: controller.signal })).rejects.toThrow('stopping');
  });
});
