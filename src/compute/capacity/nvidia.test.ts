import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../storage/testing/temp-dir.js';
import { detectNvidiaGpus, nvidiaSmiArgs, parseNvidiaSmiOutput } from './nvidia.js';
import { fakeTool, nvidiaSample } from './testing.js';

const tesla = (Index: number, Name: string, Memory: number) => ({
  Index,
  Name,
  Vendor: 'NVIDIA',
  Memory,
  PCIAddress: '',
});

describe('parseNvidiaSmiOutput', () => {
  it("parses Go's sample with many GPUs", () => {
    expect(parseNvidiaSmiOutput(nvidiaSample)).toEqual([
      tesla(0, 'Tesla T4', 15360),
      tesla(1, 'Tesla T1', 12345),
    ]);
  });

  it('parses one GPU, CRLF line ends and no trailing newline', () => {
    expect(parseNvidiaSmiOutput('0, Tesla T4, 15360')).toEqual([tesla(0, 'Tesla T4', 15360)]);
    expect(parseNvidiaSmiOutput('0, A100, 40960\r\n\r\n')).toEqual([tesla(0, 'A100', 40960)]);
  });

  it('parses no output as no GPUs', () => {
    expect(parseNvidiaSmiOutput('')).toEqual([]);
  });

  it('refuses short, ragged and non-numeric records', () => {
    expect(() => parseNvidiaSmiOutput('0, Tesla T4')).toThrow('expected index, name and memory');
    expect(() => parseNvidiaSmiOutput('0, Tesla T4, 1\n1, T1, 2, extra')).toThrow('wrong number of fields');
    expect(() => parseNvidiaSmiOutput('0, Tesla T4, [N/A]')).toThrow(
      'strconv.ParseUint: parsing "[N/A]": invalid syntax',
    );
  });
});

describe('detectNvidiaGpus', () => {
  const bin = useTempDir('nvidia-');

  it('finds no GPUs and no problem when nvidia-smi is not on the PATH', async () => {
    expect(await detectNvidiaGpus({ searchPath: bin.path })).toEqual({ gpus: [] });
  });

  it('runs nvidia-smi with the query arguments and parses what it prints', async () => {
    await fakeTool(
      bin.path,
      'nvidia-smi',
      `[ "$*" = "${nvidiaSmiArgs.join(' ')}" ] || exit 3\nprintf '${nvidiaSample}'`,
    );
    const found = await detectNvidiaGpus({ searchPath: `relative/dir:${bin.path}` });
    expect(found).toEqual({ gpus: [tesla(0, 'Tesla T4', 15360), tesla(1, 'Tesla T1', 12345)] });
  });

  it('reports a failing nvidia-smi (drivers missing) as a warning, without GPUs', async () => {
    await fakeTool(bin.path, 'nvidia-smi', 'echo "NVIDIA-SMI has failed"; exit 9');
    const found = await detectNvidiaGpus({ searchPath: bin.path });
    expect(found.gpus).toEqual([]);
    expect(found.warning).toBe(
      `Cannot inspect Nvidia GPUs so they will not be used: tool \`${bin.path}/nvidia-smi [${nvidiaSmiArgs.join(' ')}]\` had bad exit and returned: "NVIDIA-SMI has failed\\n"`,
    );
  });

  it('reports unparsable output as a warning, without GPUs', async () => {
    await fakeTool(bin.path, 'nvidia-smi', 'echo "No devices were found"');
    const found = await detectNvidiaGpus({ searchPath: bin.path });
    expect(found.gpus).toEqual([]);
    expect(found.warning).toMatch(
      /^Cannot inspect Nvidia GPUs so they will not be used: tool `nvidia-smi` had unparsable output/,
    );
  });
});
