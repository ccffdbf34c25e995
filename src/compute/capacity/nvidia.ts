/**
 * NVIDIA GPUs, as Bacalhau finds them (`capacity/system/gpu/nvidia.go`): `nvidia-smi` asked for
 * index, name and total memory as bare CSV. Bacalhau does not ask for the PCI address, so
 * `PCIAddress` stays empty, exactly as its NodeInfo shows it.
 */
import { GPUVendor, type GPU } from '../../models/resources.js';
import { runTool } from './tool.js';

export const nvidiaSmi = 'nvidia-smi';
export const nvidiaSmiArgs: readonly string[] = [
  '--query-gpu=index,gpu_name,memory.total',
  '--format=csv,noheader,nounits',
];

/**
 * One GPU per CSV record `index, name, memory MiB` (Go's `csv.Reader` with `TrimLeadingSpace`: empty
 * lines skipped, every record as wide as the first). nvidia-smi never quotes these fields, so quoting
 * is not handled.
 * @throws Error for a record that is too short, ragged, or has a non-integer index or memory.
 */
export function parseNvidiaSmiOutput(output: string): GPU[] {
  const records = output
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map((line) => line.split(',').map((field) => field.trimStart()));
  const width = records[0]?.length;
  return records.map((fields, i) => {
    if (fields.length !== width) throw new Error(`record on line ${i + 1}: wrong number of fields`);
    const [index, name, memory] = fields;
    if (index === undefined || name === undefined || memory === undefined) {
      throw new Error(
        `record on line ${i + 1}: expected index, name and memory, got ${fields.length} fields`,
      );
    }
    return {
      Index: parseUint(index),
      Name: name,
      Vendor: GPUVendor.Nvidia,
      Memory: parseUint(memory),
      PCIAddress: '',
    };
  });
}

/** Go's `strconv.ParseUint(s, 10, 64)` message for what nvidia-smi may print instead of a number. */
function parseUint(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** What `nvidia-smi` reported: its GPUs (none when it is absent), or why it could not be used. */
export interface GpuDetection {
  gpus: GPU[];
  /** Set when nvidia-smi exists but failed or printed something unparsable; the GPUs are then not used. */
  warning?: string;
}

export async function detectNvidiaGpus(options: {
  searchPath: string;
  signal?: AbortSignal;
}): Promise<GpuDetection> {
  let stdout: string;
  try {
    const outcome = await runTool(nvidiaSmi, nvidiaSmiArgs, options);
    if (!outcome.installed) return { gpus: [] };
    stdout = outcome.stdout;
  } catch (err) {
    return { gpus: [], warning: cannotInspect(err instanceof Error ? err.message : String(err)) };
  }
  try {
    return { gpus: parseNvidiaSmiOutput(stdout) };
  } catch (err) {
    const problem = err instanceof Error ? err.message : String(err);
    return {
      gpus: [],
      warning: cannotInspect(
        `tool \`${nvidiaSmi}\` had unparsable output: ${JSON.stringify(stdout)}: ${problem}`,
      ),
    };
  }
}

/** Go's log line when a GPU tool is installed but unusable (drivers missing, ...). */
function cannotInspect(problem: string): string {
  return `Cannot inspect Nvidia GPUs so they will not be used: ${problem}`;
}
