import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../storage/testing/temp-dir.js';
import { nvidiaGpus, nvidiaSmiArgs, parseNvidiaSmiOutput } from './nvidia.js';
import { fakeTool, fakeToolPrinting, nvidiaSample } from './testing.js';

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

describe('nvidiaGpus', () => {
  const bin = useTempDir('nvidia-');

  it('runs nvidia-smi with the query arguments and parses what it prints', async () => {
    await fakeToolPrinting(bin.path, 'nvidia-smi', nvidiaSmiArgs, nvidiaSample);
    const found = await nvidiaGpus({ searchPath: `relative/dir:${bin.path}` });
    expect(found).toEqual([tesla(0, 'Tesla T4', 15360), tesla(1, 'Tesla T1', 12345)]);
  });

  it("fails with Go's words when nvidia-smi fails (drivers missing) or prints something else", async () => {
    const tool = `tool \`${bin.path}/nvidia-smi [${nvidiaSmiArgs.join(' ')}]\``;
    await fakeTool(bin.path, 'nvidia-smi', 'echo "NVIDIA-SMI has failed"; exit 9');
    await expect(nvidiaGpus({ searchPath: bin.path })).rejects.toThrow(
      `${tool} had bad exit and returned: "NVIDIA-SMI has failed\\n": exit status 9`,
    );
    await fakeTool(bin.path, 'nvidia-smi', 'echo "No devices were found"');
    await expect(nvidiaGpus({ searchPath: bin.path })).rejects.toThrow(
      `${tool} had unparsable output: "No devices were found\\n": record on line 1: expected index, name and memory, got 1 fields`,
    );
  });
});
