/**
 * The machine's GPUs, as Bacalhau's physical capacity provider finds them: NVIDIA (nvidia-smi), then
 * AMD (rocm-smi), then Intel (xpu-smi), listed in that order. A vendor whose tool is absent adds
 * nothing; one whose tool is installed but fails (drivers missing, odd output) adds nothing either,
 * and the caller is told why, as Go logs it.
 */
import { errorMessage } from '../../models/bacerrors.js';
import type { GPU } from '../../models/resources.js';
import { amdGpus } from './amd.js';
import { intelGpus } from './intel.js';
import { nvidiaGpus } from './nvidia.js';
import type { ToolOptions } from './tool.js';

/** What the vendor tools reported: the GPUs found, and why a vendor's GPUs could not be used. */
export interface GpuDetection {
  gpus: GPU[];
  warnings: string[];
}

const vendors: readonly { provides: string; find: (options: ToolOptions) => Promise<GPU[]> }[] = [
  { provides: 'Nvidia GPUs', find: nvidiaGpus },
  { provides: 'AMD GPUs', find: amdGpus },
  { provides: 'Intel GPUs', find: intelGpus },
];

export async function detectGpus(options: ToolOptions): Promise<GpuDetection> {
  const found = await Promise.all(
    vendors.map(({ provides, find }) =>
      find(options).then(
        (gpus) => ({ gpus, warning: undefined }),
        (err: unknown) => ({
          gpus: [],
          warning: `Cannot inspect ${provides} so they will not be used: ${errorMessage(err)}`,
        }),
      ),
    ),
  );
  return {
    gpus: found.flatMap((f) => f.gpus),
    warnings: found.flatMap((f) => (f.warning === undefined ? [] : [f.warning])),
  };
}
