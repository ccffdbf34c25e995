import { describe, expect, it } from 'vitest';
import { BacalhauError } from '../../models/bacerrors.js';
import type { GPU, Resources } from '../../models/resources.js';
import { allocatedCapacity } from './allocated.js';

const GiB = 1024 ** 3;
const gpu = (Index: number): GPU => ({
  Index,
  Name: `GPU ${Index}`,
  Vendor: 'NVIDIA',
  Memory: 16384,
  PCIAddress: '',
});
const machine: Resources = {
  CPU: 8,
  Memory: 32 * GiB,
  Disk: 500 * GiB,
  GPU: 3,
  GPUs: [gpu(0), gpu(1), gpu(2)],
};
const defaults = { CPU: '80%', Memory: '80%', Disk: '80%', GPU: '100%' };

function problem(fn: () => unknown): BacalhauError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BacalhauError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('allocatedCapacity', () => {
  it('scales the machine by the default percentages (bytes truncated)', () => {
    expect(allocatedCapacity({ ...machine, Memory: 1001 }, defaults)).toEqual({
      CPU: 6.4,
      Memory: 800,
      Disk: 400 * GiB,
      GPU: 3,
      GPUs: machine.GPUs,
    });
  });

  it('takes absolute amounts as given, even beyond what the machine has (as Go does)', () => {
    expect(allocatedCapacity(machine, { CPU: '500m', Memory: '64Gi', Disk: '1TB', GPU: '5' })).toEqual({
      CPU: 0.5,
      Memory: 64 * GiB,
      Disk: 1e12,
      GPU: 5,
      GPUs: machine.GPUs,
    });
    expect(allocatedCapacity(machine, { ...defaults, CPU: '4' }).CPU).toBe(4);
  });

  it('truncates a GPU percentage but keeps at least one GPU when the machine has any', () => {
    expect(allocatedCapacity(machine, { ...defaults, GPU: '50%' })).toMatchObject({ GPU: 1, GPUs: [gpu(0)] });
    expect(allocatedCapacity(machine, { ...defaults, GPU: '70%' })).toMatchObject({
      GPU: 2,
      GPUs: [gpu(0), gpu(1)],
    });
    expect(allocatedCapacity({ ...machine, GPU: 1, GPUs: [gpu(0)] }, { ...defaults, GPU: '1%' }).GPU).toBe(1);
    expect(allocatedCapacity(machine, { ...defaults, GPU: '0%' }).GPU).toBe(1);
    const noGpus = allocatedCapacity({ ...machine, GPU: 0, GPUs: [] }, defaults);
    expect(noGpus.GPU).toBe(0);
    expect(noGpus.GPUs).toBeUndefined();
  });

  it('lists only the GPUs the machine has details for', () => {
    expect(allocatedCapacity({ ...machine, GPU: 0, GPUs: [] }, { ...defaults, GPU: '2' })).toMatchObject({
      GPU: 2,
    });
    expect(
      allocatedCapacity({ ...machine, GPU: 0, GPUs: [] }, { ...defaults, GPU: '2' }).GPUs,
    ).toBeUndefined();
  });

  it('gives the whole machine when nothing is set', () => {
    expect(allocatedCapacity(machine, {})).toBe(machine);
    expect(allocatedCapacity(machine, { CPU: '', Memory: '', Disk: '', GPU: '' })).toBe(machine);
  });

  it('refuses a machine where nothing was detected', () => {
    expect(problem(() => allocatedCapacity({ CPU: 0, Memory: 0, Disk: 0, GPU: 0 }, defaults))).toMatchObject({
      message: 'system capacity is zero',
    });
  });

  it("names the key and uses Go's wording for a bad percentage", () => {
    const err = problem(() => allocatedCapacity(machine, { ...defaults, CPU: '120%' }));
    expect(err.code).toBe('ConfigurationError');
    expect(err.message).toBe(
      'Compute.AllocatedCapacity.CPU: cpu capacity percentage must be between 0% and 100%, got 120%',
    );
    expect(err.hint).toContain('Set Compute.AllocatedCapacity.CPU to a percentage');
    expect(problem(() => allocatedCapacity(machine, { ...defaults, Memory: 'lots%' })).message).toBe(
      'Compute.AllocatedCapacity.Memory: memory capacity invalid percentage format: strconv.ParseFloat: parsing "lots": invalid syntax',
    );
    expect(problem(() => allocatedCapacity(machine, { ...defaults, GPU: '-5%' })).message).toBe(
      'Compute.AllocatedCapacity.GPU: percentage must be between 0% and 100%, got -5%',
    );
    expect(problem(() => allocatedCapacity(machine, { ...defaults, Disk: 'nan%' })).message).toBe(
      'Compute.AllocatedCapacity.Disk: disk capacity percentage must be between 0% and 100%, got nan%',
    );
  });

  it('reports every bad key at once', () => {
    const err = problem(() =>
      allocatedCapacity(machine, { CPU: '2 cores', Memory: '8 GiBs', Disk: '80%', GPU: '1.5' }),
    );
    expect(err.message).toBe(
      [
        'configuration has 3 problems:',
        '  - Compute.AllocatedCapacity.CPU: invalid CPU value "2 cores"',
        '  - Compute.AllocatedCapacity.Memory: invalid Memory value "8 GiBs"',
        '  - Compute.AllocatedCapacity.GPU: invalid GPU value "1.5"',
      ].join('\n'),
    );
  });
});
