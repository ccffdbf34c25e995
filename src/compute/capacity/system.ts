/**
 * What this machine has (Go's `system.PhysicalCapacityProvider.GetTotalCapacity`): CPU cores, total
 * memory, free disk space of the filesystem holding the compute data, and NVIDIA, AMD and Intel GPUs
 * (gpus.ts). Allocation (`Compute.AllocatedCapacity`) is applied afterwards, see allocated.ts.
 */
import { statfs } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import type { Resources } from '../../models/resources.js';
import { cgroupLimits, defaultCgroupPaths, type CgroupPaths } from './cgroup.js';
import { detectGpus } from './gpus.js';

export interface DetectCapacityOptions {
  /** A folder on the filesystem whose free space jobs use (the compute executions folder). Must exist. */
  dataDir: string;
  signal?: AbortSignal;
  /** Where to look for the GPU tools (`nvidia-smi`, `rocm-smi`, `xpu-smi`); `process.env.PATH` when absent. */
  searchPath?: string;
  cgroupPaths?: CgroupPaths;
  /** Told why installed GPU tooling could not be used (Go logs it); detection goes on without those GPUs. */
  onWarning?: (message: string) => void;
}

/**
 * @throws BacalhauError IOError `failed to determine total system capacity: getFreeDiskSpace: unable to
 *   get disk space for path <dir>` when `dataDir` cannot be inspected; the signal's reason on abort.
 */
export async function detectSystemCapacity(options: DetectCapacityOptions): Promise<Resources> {
  const { dataDir, signal } = options;
  const [disk, limits, gpu] = await Promise.all([
    freeDiskSpace(dataDir),
    cgroupLimits(options.cgroupPaths ?? defaultCgroupPaths),
    detectGpus({ searchPath: options.searchPath ?? process.env.PATH ?? '', signal }),
  ]);
  signal?.throwIfAborted();
  for (const warning of gpu.warnings) options.onWarning?.(warning);
  const resources: Resources = {
    CPU: Math.min(availableParallelism(), limits.cpu ?? Infinity),
    Memory: Math.min(totalmem(), limits.memory ?? Infinity),
    Disk: disk,
    GPU: gpu.gpus.length,
  };
  if (gpu.gpus.length > 0) resources.GPUs = gpu.gpus;
  return resources;
}

/** Free bytes of the filesystem, reserved blocks included (go-disk-usage `Free`: bfree × bsize). */
async function freeDiskSpace(dir: string): Promise<number> {
  try {
    const stats = await statfs(dir);
    return stats.bfree * stats.bsize;
  } catch (err) {
    throw new BacalhauError(
      `failed to determine total system capacity: getFreeDiskSpace: unable to get disk space for path ${dir}`,
      {
        code: ErrorCode.IOError,
        component: 'Compute',
        hint: 'Check that the compute data folder (under DataDir) exists and is readable.',
        cause: err,
      },
    );
  }
}
