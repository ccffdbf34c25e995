/**
 * NVIDIA GPUs, as Bacalhau finds them (`capacity/system/gpu/nvidia.go`): `nvidia-smi` asked for
 * index, name and total memory as bare CSV. Bacalhau does not ask for the PCI address, so
 * `PCIAddress` stays empty, exactly as its NodeInfo shows it.
 */
import { GPUVendor, type GPU } from '../../models/resources.js';
import { parseUint, runTool, type ToolOptions } from './tool.js';

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

/** The NVIDIA GPUs nvidia-smi reports; none when it is not installed. @throws Error as runTool. */
export async function nvidiaGpus(options: ToolOptions): Promise<GPU[]> {
  return (await runTool(nvidiaSmi, nvidiaSmiArgs, parseNvidiaSmiOutput, options)) ?? [];
}
