import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../storage/testing/temp-dir.js';
import { detectGpus } from './gpus.js';
import { rocmSmiArgs } from './amd.js';
import { nvidiaSmiArgs } from './nvidia.js';
import { fakeTool, fakeToolPrinting, nvidiaSample, rocmSample } from './testing.js';

describe('detectGpus', () => {
  const bin = useTempDir('gpus-');

  it('finds nothing, and has nothing to say, when no vendor tool is on the PATH', async () => {
    expect(await detectGpus({ searchPath: bin.path })).toEqual({ gpus: [], warnings: [] });
  });

  it('asks nvidia-smi and rocm-smi, listing NVIDIA GPUs, then AMD ones, as Go adds them up', async () => {
    await fakeToolPrinting(bin.path, 'rocm-smi', rocmSmiArgs, rocmSample);
    await fakeToolPrinting(bin.path, 'nvidia-smi', nvidiaSmiArgs, nvidiaSample);
    const { gpus, warnings } = await detectGpus({ searchPath: bin.path });
    expect(gpus.map((g) => [g.Vendor, g.Index, g.Name])).toEqual([
      ['NVIDIA', 0, 'Tesla T4'],
      ['NVIDIA', 1, 'Tesla T1'],
      ['AMD/ATI', 0, 'Instinct MI210'],
    ]);
    expect(warnings).toEqual([]);
  });

  it("leaves out a vendor whose tool fails, saying why in Go's words, and keeps the others", async () => {
    await fakeTool(bin.path, 'rocm-smi', `echo '${rocmSample}'`);
    await fakeTool(bin.path, 'xpu-smi', 'exit 1');
    const { gpus, warnings } = await detectGpus({ searchPath: bin.path });
    expect(gpus.map((g) => g.Vendor)).toEqual(['AMD/ATI']);
    expect(warnings).toEqual([
      `Cannot inspect Intel GPUs so they will not be used: tool \`${bin.path}/xpu-smi [discovery --json]\` had bad exit and returned: "": exit status 1`,
    ]);
  });
});
