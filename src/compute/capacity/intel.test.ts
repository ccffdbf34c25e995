import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../storage/testing/temp-dir.js';
import { intelGpus, parseXpuSmiDevice, parseXpuSmiList } from './intel.js';
import { fakeTool } from './testing.js';

const name = 'Intel Corporation Device 56c1 (rev 05)';
/** Go's samples (`xpu-smi-discovery-*.json`), trimmed to the fields read and a few others. */
const list = JSON.stringify({
  device_list: [
    { device_id: 0, device_name: name, pci_bdf_address: '0000:e9:00.0', device_type: 'GPU' },
    { device_id: 1, device_name: name, pci_bdf_address: '0000:ea:00.0', device_type: 'GPU' },
  ],
});
const device = (id: number, pci: string) =>
  JSON.stringify({
    device_id: id,
    device_name: name,
    memory_physical_size_byte: '5314183168',
    memory_free_size_byte: '5287350272',
    pci_bdf_address: pci,
  });
const gpu = (Index: number, PCIAddress: string, Memory = 5068) => ({
  Index,
  Name: name,
  Vendor: 'Intel',
  Memory,
  PCIAddress,
});

describe('xpu-smi output', () => {
  it("parses Go's device list and one device's details (memory in MiB)", () => {
    expect(parseXpuSmiList(list)).toEqual([gpu(0, '0000:e9:00.0', 0), gpu(1, '0000:ea:00.0', 0)]);
    expect(parseXpuSmiList('{}')).toEqual([]);
    expect(parseXpuSmiDevice(device(0, '0000:e9:00.0'))).toEqual(gpu(0, '0000:e9:00.0'));
  });

  it("refuses a device whose memory is not a number, with Go's words", () => {
    expect(() => parseXpuSmiDevice('{"device_id": 0}')).toThrow(
      'error parsing memory: strconv.ParseUint: parsing "": invalid syntax',
    );
  });
});

describe('intelGpus', () => {
  const bin = useTempDir('xpu-');

  it('lists the devices, then asks xpu-smi about each one', async () => {
    await fakeTool(
      bin.path,
      'xpu-smi',
      [
        `case "$*" in`,
        `  "discovery --json") echo '${list}' ;;`,
        `  "discovery --json --device 0") echo '${device(0, '0000:e9:00.0')}' ;;`,
        `  "discovery --json --device 1") echo '${device(1, '0000:ea:00.0')}' ;;`,
        `  *) exit 3 ;;`,
        `esac`,
      ].join('\n'),
    );
    expect(await intelGpus({ searchPath: bin.path })).toEqual([
      gpu(0, '0000:e9:00.0'),
      gpu(1, '0000:ea:00.0'),
    ]);
  });
});
