import { describe, expect, it } from 'vitest';
import { containerCreateOptions, mergeEnv } from './container-config.js';
import { gpuDevices } from './devices.js';
import { networkSettings } from './network.js';
import { decodeDockerSpec } from '../../models/engines/docker.js';

const ref = { executorID: 'node-1', instanceID: 'inst-1', jobID: 'j-1', executionID: 'e-1' };
const noDevices = { DeviceRequests: [], Devices: [] };
/** A busybox task with nothing set: each test sets what it is about. */
const plainTask = {
  ref,
  spec: decodeDockerSpec({ Type: 'docker', Params: { Image: 'busybox' } }),
  env: {},
  networkEnv: {},
  mounts: [],
  resources: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
  devices: noDevices,
  network: networkSettings('none', { Type: 'None' }, { bridge: false }),
  pidsLimit: 100,
  keepLog: false,
};

describe('containerCreateOptions', () => {
  it("builds Bacalhau's container, hardened", () => {
    const options = containerCreateOptions({
      ref,
      spec: decodeDockerSpec({
        Type: 'docker',
        Params: {
          Image: 'busybox',
          Entrypoint: ['sh', '-c'],
          Parameters: ['echo hi'],
          EnvironmentVariables: ['B=engine'],
          WorkingDirectory: '/w',
        },
      }),
      env: { A: 'task', B: 'task' },
      networkEnv: {},
      mounts: [{ Type: 'bind', Source: '/host/in', Target: '/in', ReadOnly: true }],
      resources: { CPU: 1.5, Memory: 256 * 1024 * 1024, Disk: 0, GPU: 0 },
      devices: noDevices,
      network: networkSettings('none', { Type: 'None' }, { bridge: false }),
      pidsLimit: 100,
      keepLog: false,
    });
    expect(options).toEqual({
      name: 'bacalhau-node-1-j-1-e-1-executor',
      Image: 'busybox',
      Entrypoint: ['sh', '-c'],
      Cmd: ['echo hi'],
      WorkingDir: '/w',
      Env: ['A=task', 'B=engine'],
      Labels: {
        'bacalhau-executor': 'node-1',
        'bacalhau-jobID': 'node-1j-1',
        'bacalhau-executionID': 'node-1e-1',
        'bacalhau-role': 'executor',
        'bacalhau-instance': 'inst-1',
      },
      Tty: false,
      AttachStdin: false,
      OpenStdin: false,
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        Mounts: [{ Type: 'bind', Source: '/host/in', Target: '/in', ReadOnly: true }],
        Memory: 256 * 1024 * 1024,
        MemorySwap: 256 * 1024 * 1024,
        NanoCpus: 1_500_000_000,
        DeviceRequests: [],
        Devices: [],
        PidsLimit: 100,
        Privileged: false,
        SecurityOpt: ['no-new-privileges'],
        LogConfig: { Type: 'none', Config: {} },
      },
    });
  });

  it("leaves the image's entrypoint, command, working directory and unlimited resources alone", () => {
    const options = containerCreateOptions({
      ...plainTask,
      network: networkSettings('host', { Type: 'Host' }, { bridge: false }),
    });
    expect(options).not.toHaveProperty('Entrypoint');
    expect(options).not.toHaveProperty('Cmd');
    expect(options).not.toHaveProperty('WorkingDir');
    expect(options.HostConfig).not.toHaveProperty('Memory');
    expect(options.HostConfig).not.toHaveProperty('NanoCpus');
    expect(options.HostConfig?.NetworkMode).toBe('host');
  });

  it("clears the image's entrypoint for an empty Entrypoint, as Docker's API does for []", () => {
    const options = containerCreateOptions({
      ...plainTask,
      spec: decodeDockerSpec({ Type: 'docker', Params: { Image: 'busybox', Entrypoint: [] } }),
    });
    expect(options.Entrypoint).toEqual([]);
    expect(options).not.toHaveProperty('Cmd');
  });

  it('has the daemon keep a bounded log for a long-running task only, which a restarted node reads back', () => {
    const options = (keepLog: boolean) => containerCreateOptions({ ...plainTask, keepLog });
    expect(options(true).HostConfig?.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '20m', 'max-file': '5' },
    });
    expect(options(false).HostConfig?.LogConfig).toEqual({ Type: 'none', Config: {} });
  });

  it('publishes the allocated Bridge host ports on their container targets', () => {
    // As the compute node hands them over: Static allocated, Target defaulted to it when not given.
    const ports = [
      { Name: 'web', Static: 20007, Target: 8080, HostNetwork: '127.0.0.1' },
      { Name: 'raw', Static: 20008, Target: 20008 },
    ];
    const options = containerCreateOptions({
      ...plainTask,
      env: { BACALHAU_HOST_PORT_web: '20007', BACALHAU_PORT_web: '8080' },
      network: networkSettings('bridge', { Type: 'Bridge', Ports: ports }, { bridge: true }),
    });
    expect(options.ExposedPorts).toEqual({ '8080/tcp': {}, '20008/tcp': {} });
    expect(options.HostConfig?.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '20007' }],
      '20008/tcp': [{ HostIp: '0.0.0.0', HostPort: '20008' }],
    });
    expect(options.Env).toEqual(['BACALHAU_HOST_PORT_web=20007', 'BACALHAU_PORT_web=8080']);
  });
});

describe('mergeEnv', () => {
  it('lets the engine override the task env, the network override both, and sorts by name', () => {
    expect(
      mergeEnv({ Z: 'task', HTTP_PROXY: 'task', A: 'task' }, ['A=engine', 'NOVALUE', '=x', 'E=a=b'], {
        HTTP_PROXY: 'proxy',
      }),
    ).toEqual(['A=engine', 'E=a=b', 'HTTP_PROXY=proxy', 'Z=task']);
  });
});

describe('networkSettings', () => {
  it('joins the sandbox in HTTP mode', () => {
    expect(networkSettings('http', { Type: 'HTTP' }, { bridge: false, sandboxID: 'abc' })).toEqual({
      hostConfig: { NetworkMode: 'container:abc' },
      networkDisabled: false,
    });
  });

  it('publishes Bridge ports on their static host port, and names the host when a bridge exists', () => {
    const ports = [
      { Name: 'web', Static: 20001, Target: 80 },
      { Name: 'api', Static: 20002, HostNetwork: '127.0.0.1' },
    ];
    expect(networkSettings('bridge', { Type: 'Bridge', Ports: ports }, { bridge: true })).toEqual({
      hostConfig: {
        NetworkMode: 'bridge',
        ExtraHosts: ['host.docker.internal:host-gateway'],
        PortBindings: {
          '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '20001' }],
          '20002/tcp': [{ HostIp: '127.0.0.1', HostPort: '20002' }],
        },
      },
      exposedPorts: { '80/tcp': {}, '20002/tcp': {} },
      networkDisabled: false,
    });
  });

  it('adds no host.docker.internal without a bridge: Docker would write a broken hosts entry', () => {
    expect(networkSettings('host', { Type: 'Host' }, { bridge: false }).hostConfig).toEqual({
      NetworkMode: 'host',
    });
  });
});

describe('gpuDevices', () => {
  const gpu = (Index: number, Vendor: 'NVIDIA' | 'AMD/ATI' | 'Intel', PCIAddress = '') => ({
    Index,
    Name: 'g',
    Vendor,
    Memory: 1024,
    PCIAddress,
  });
  const resolve = (path: string) => Promise.resolve(path.replace('/dev/dri/by-path/', '/dev/dri/resolved-'));

  it('requests NVIDIA GPUs by index from the NVIDIA runtime', async () => {
    expect(
      await gpuDevices({ CPU: 0, Memory: 0, Disk: 0, GPU: 2, GPUs: [gpu(0, 'NVIDIA'), gpu(3, 'NVIDIA')] }),
    ).toEqual({
      DeviceRequests: [{ DeviceIDs: ['0', '3'], Capabilities: [['gpu']] }],
      Devices: [],
    });
  });

  it('requests a count when the node has no GPU details', async () => {
    expect(await gpuDevices({ CPU: 0, Memory: 0, Disk: 0, GPU: 1 })).toEqual({
      DeviceRequests: [{ Count: 1, Capabilities: [['gpu']] }],
      Devices: [],
    });
    expect(await gpuDevices({ CPU: 0, Memory: 0, Disk: 0, GPU: 0 })).toEqual(noDevices);
  });

  it('maps the DRI nodes of AMD and Intel GPUs, and /dev/kfd for AMD', async () => {
    const settings = await gpuDevices(
      {
        CPU: 0,
        Memory: 0,
        Disk: 0,
        GPU: 2,
        GPUs: [gpu(0, 'AMD/ATI', '0000:03:00.0'), gpu(1, 'Intel', '0000:00:02.0')],
      },
      resolve,
    );
    expect(settings.DeviceRequests).toEqual([]);
    expect(settings.Devices.map((d) => d.PathOnHost)).toEqual([
      '/dev/kfd',
      '/dev/dri/resolved-pci-0000:03:00.0-card',
      '/dev/dri/resolved-pci-0000:03:00.0-render',
      '/dev/dri/resolved-pci-0000:00:02.0-card',
      '/dev/dri/resolved-pci-0000:00:02.0-render',
    ]);
  });

  it('refuses a GPU whose device is not attached', async () => {
    await expect(
      gpuDevices({ CPU: 0, Memory: 0, Disk: 0, GPU: 1, GPUs: [gpu(0, 'Intel', '0000:00:02.0')] }, () =>
        Promise.reject(new Error('ENOENT')),
      ),
    ).rejects.toThrow('could not find attached device for GPU at "/dev/dri/by-path/pci-0000:00:02.0-card"');
  });
});
