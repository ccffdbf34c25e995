import { describe, expect, it } from 'vitest';
import type { Resources } from '../../models/resources.js';
import { goArch, goOS, nodeLabels } from './labels.js';

const allocated: Resources = {
  CPU: 4,
  Memory: 1,
  Disk: 1,
  GPU: 2,
  GPUs: [
    { Index: 0, Name: 'Tesla T4', Vendor: 'NVIDIA', Memory: 15360, PCIAddress: '' },
    { Index: 1, Name: 'NVIDIA A100 80GB', Vendor: 'NVIDIA', Memory: 81920, PCIAddress: '' },
  ],
};

describe('nodeLabels', () => {
  it("adds os, name and GPU labels to the user's, spelled as Go spells them", () => {
    expect(nodeLabels({ zone: 'eu-1' }, allocated, { nodeName: 'n-1' })).toEqual({
      zone: 'eu-1',
      os_type: goOS(process.platform),
      os_arch: goArch(process.arch),
      name: 'n-1',
      'GPU-0': 'Tesla-T4',
      'GPU-0-Memory': '15360-MiB',
      'GPU-1': 'NVIDIA-A100-80GB',
      'GPU-1-Memory': '81920-MiB',
    });
  });

  it('lets the automatic labels win over user labels of the same name', () => {
    const labels = nodeLabels({ name: 'mine', os_type: 'plan9', 'GPU-0': 'fake' }, allocated, {
      nodeName: 'n-1',
    });
    expect(labels).toMatchObject({ name: 'n-1', os_type: goOS(process.platform), 'GPU-0': 'Tesla-T4' });
  });

  it('adds no name or GPU labels when there are none', () => {
    expect(Object.keys(nodeLabels({}, { CPU: 1, Memory: 1, Disk: 1, GPU: 0 }))).toEqual([
      'os_type',
      'os_arch',
    ]);
  });

  it("maps Node's platform and arch names to Go's", () => {
    expect([goOS('linux'), goOS('darwin'), goOS('win32'), goOS('sunos')]).toEqual([
      'linux',
      'darwin',
      'windows',
      'solaris',
    ]);
    expect(['x64', 'arm64', 'ia32', 'arm', 's390x', 'ppc64', 'riscv64'].map(goArch)).toEqual([
      'amd64',
      'arm64',
      '386',
      'arm',
      's390x',
      'ppc64le',
      'riscv64',
    ]);
  });
});
