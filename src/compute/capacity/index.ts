/** Capacity of a compute node: what the machine has, what jobs get, what one execution uses, labels. */
export { detectSystemCapacity, type DetectCapacityOptions } from './system.js';
export { cgroupLimits, defaultCgroupPaths, type CgroupLimits, type CgroupPaths } from './cgroup.js';
export { detectGpus, type GpuDetection } from './gpus.js';
export { parseNvidiaSmiOutput } from './nvidia.js';
export { allocatedCapacity, type AllocatedCapacityConfig } from './allocated.js';
export { nodeLabels, goOS, goArch, type NodeLabelOptions } from './labels.js';
export {
  calculateUsage,
  DefaultComputeJobResourceLimits,
  type StorageLookup,
  type UsageOptions,
} from './usage.js';
