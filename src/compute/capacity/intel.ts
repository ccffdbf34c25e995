/**
 * Intel GPUs, as Bacalhau finds them (`capacity/system/gpu/intel.go`): `xpu-smi discovery --json`
 * lists the devices, then `xpu-smi discovery --json --device <id>` gives each one's physical memory.
 * Index is the device ID, the name and PCI address are xpu-smi's, memory is in MiB. One device that
 * cannot be inspected leaves all Intel GPUs unused, as in Go.
 */
import { isPlainObject } from '../../models/codec.js';
import { GPUVendor, type GPU } from '../../models/resources.js';
import { mebibytes, parseUint, runTool, type ToolOptions } from './tool.js';

export const xpuSmi = 'xpu-smi';
export const xpuSmiListArgs: readonly string[] = ['discovery', '--json'];

/** The devices of `xpu-smi discovery --json` (`device_list`), without memory. @throws Error for non-JSON. */
export function parseXpuSmiList(output: string): GPU[] {
  const parsed: unknown = JSON.parse(output);
  const list = isPlainObject(parsed) ? parsed['device_list'] : undefined;
  return Array.isArray(list) ? list.map((device) => xpuDevice(device, 0)) : [];
}

/**
 * One device of `xpu-smi discovery --json --device <id>`.
 * @throws Error when its `memory_physical_size_byte` is not a number (Go's `error parsing memory`).
 */
export function parseXpuSmiDevice(output: string): GPU {
  const device: unknown = JSON.parse(output);
  const memory = isPlainObject(device) ? device['memory_physical_size_byte'] : undefined;
  let bytes: number;
  try {
    bytes = parseUint(typeof memory === 'string' ? memory : '');
  } catch (err) {
    throw new Error(`error parsing memory: ${(err as Error).message}`);
  }
  return xpuDevice(device, mebibytes(bytes));
}

function xpuDevice(device: unknown, Memory: number): GPU {
  const field = (name: string): unknown => (isPlainObject(device) ? device[name] : undefined);
  const id = field('device_id');
  const name = field('device_name');
  const pci = field('pci_bdf_address');
  return {
    Index: typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : 0,
    Name: typeof name === 'string' ? name : '',
    Vendor: GPUVendor.Intel,
    Memory,
    PCIAddress: typeof pci === 'string' ? pci : '',
  };
}

/** The Intel GPUs xpu-smi reports; none when it is not installed. @throws Error as runTool. */
export async function intelGpus(options: ToolOptions): Promise<GPU[]> {
  const listed = (await runTool(xpuSmi, xpuSmiListArgs, parseXpuSmiList, options)) ?? [];
  const gpus: GPU[] = [];
  for (const { Index } of listed) {
    const args = [...xpuSmiListArgs, '--device', String(Index)];
    const gpu = await runTool(xpuSmi, args, parseXpuSmiDevice, options);
    if (gpu !== undefined) gpus.push(gpu);
  }
  return gpus;
}
