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
