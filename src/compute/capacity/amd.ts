/**
 * AMD GPUs, as Bacalhau finds them (`capacity/system/gpu/amd.go`): `rocm-smi` asked for product name,
 * PCI bus and VRAM as JSON, one `cardN` entry per GPU: Index N, the card series as name, total VRAM
 * in MiB, and the PCI address in lower case (the form `/dev/dri/by-path` uses, which the Docker
 * executor maps devices by).
 *
 * Deliberate differences: entries whose key is not `card<N>` (newer rocm-smi adds `system`) are
 * skipped, where Go fails to parse them and uses no AMD GPU at all; and GPUs are listed by card
 * number whatever numbers are missing, where Go's slot-per-card list crashes the node when a number
 * is at least the card count (only card1 and card2, say).
 */
import { isPlainObject } from '../../models/codec.js';
import { GPUVendor, type GPU } from '../../models/resources.js';
import { mebibytes, parseUint, runTool, type ToolOptions } from './tool.js';

export const rocmSmi = 'rocm-smi';
export const rocmSmiArgs: readonly string[] = [
  '--showproductname',
  '--showbus',
  '--showmeminfo',
  'vram',
  '--json',
];

/** @throws Error for output that is not a JSON object, or a card without a numeric total VRAM. */
export function parseRocmSmiOutput(output: string): GPU[] {
  const cards: unknown = JSON.parse(output);
  if (!isPlainObject(cards)) throw new Error('expected a JSON object of cards');
  return Object.entries(cards)
    .filter(([key]) => /^card\d+$/u.test(key))
    .map(([key, card]) => {
      const field = (name: string): string => {
        const value = isPlainObject(card) ? card[name] : undefined;
        return typeof value === 'string' ? value : '';
      };
      return {
        Index: parseUint(key.slice('card'.length)),
        Name: field('Card series'),
        Vendor: GPUVendor.AMDATI,
        Memory: mebibytes(parseUint(field('VRAM Total Memory (B)'))),
        PCIAddress: field('PCI Bus').toLowerCase(),
      };
    })
    .sort((a, b) => a.Index - b.Index);
}

/** The AMD GPUs rocm-smi reports; none when it is not installed. @throws Error as runTool. */
export async function amdGpus(options: ToolOptions): Promise<GPU[]> {
  return (await runTool(rocmSmi, rocmSmiArgs, parseRocmSmiOutput, options)) ?? [];
}
