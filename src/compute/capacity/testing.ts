/** Test helpers of the compute node's capacity and bidding. */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputSource } from '../../models/input-source.js';

/** An executable script in a folder, standing in for a vendor tool such as nvidia-smi. */
export async function fakeTool(dir: string, name: string, script: string): Promise<void> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/bash\n${script}\n`);
  await chmod(path, 0o755);
}

/** A vendor tool that prints `output` when called with exactly `args`, and fails otherwise. */
export function fakeToolPrinting(
  dir: string,
  name: string,
  args: readonly string[],
  output: string,
): Promise<void> {
  return fakeTool(dir, name, `[ "$*" = "${args.join(' ')}" ] || exit 3\nprintf '%s' '${output}'`);
}

/** Go's sample output (`nvidia_test.go`): two GPUs. */
export const nvidiaSample = '0, Tesla T4, 15360\n1, Tesla T1, 12345\n';

/** An inline input holding `text` (its volume size is the text's length). */
export function inlineInput(text: string, Target = '/inputs/data'): InputSource {
  return {
    Source: {
      Type: 'inline',
      Params: { URL: `data:text/plain;base64,${Buffer.from(text).toString('base64')}` },
    },
    Alias: '',
    Target,
  };
}

/** An input of `type` with the given params. */
export function input(type: string, Params: Record<string, unknown> = {}): InputSource {
  return { Source: { Type: type, Params }, Alias: '', Target: '/inputs' };
}

/** Go's sample output of rocm-smi (`amd_test.go`): one card, PCI bus in upper case. */
export const rocmSample =
  '{"card0": {"PCI Bus": "0000:E7:00.0", "VRAM Total Memory (B)": "68702699520", ' +
  '"VRAM Total Used Memory (B)": "10960896", "Card series": "Instinct MI210", "Card model": "0x0c34", ' +
  '"Card vendor": "Advanced Micro Devices, Inc. [AMD/ATI]", "Card SKU": "D67301"}}';
