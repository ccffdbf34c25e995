/**
 * The GPUs an execution was allocated, as Docker device settings (Go `configureDevices`): NVIDIA GPUs
 * through a device request the NVIDIA container runtime fulfils; AMD and Intel GPUs as device
 * mappings of their DRI nodes (found through `/dev/dri/by-path` by PCI address; AMD also needs
 * `/dev/kfd`).
 */
import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import type Docker from 'dockerode';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { GPUVendor, type Resources } from '../../models/resources.js';
import { DockerComponent } from '../../models/engines/docker.js';

export interface DeviceSettings {
  DeviceRequests: Docker.DeviceRequest[];
  Devices: Docker.DeviceMapping[];
}

/** Resolves a device symlink to the device node; `realpath` on a real node. */
export type DevicePathResolver = (path: string) => Promise<string>;

export async function gpuDevices(
  resources: Resources,
  resolve: DevicePathResolver = realpath,
): Promise<DeviceSettings> {
  const settings: DeviceSettings = { DeviceRequests: [], Devices: [] };
  const gpus = resources.GPUs ?? [];
  if (gpus.length === 0) {
    // a count without details (no inventory on this node): let the NVIDIA runtime pick that many
    if (resources.GPU > 0) settings.DeviceRequests.push({ Count: resources.GPU, Capabilities: [['gpu']] });
    return settings;
  }
  const nvidia = gpus.filter((g) => g.Vendor === GPUVendor.Nvidia);
  if (nvidia.length > 0) {
    settings.DeviceRequests.push({ DeviceIDs: nvidia.map((g) => String(g.Index)), Capabilities: [['gpu']] });
  }
  if (gpus.some((g) => g.Vendor === GPUVendor.AMDATI)) settings.Devices.push(mapping('/dev/kfd'));
  for (const gpu of gpus) {
    if (gpu.Vendor === GPUVendor.Nvidia) continue;
    if (gpu.Vendor !== GPUVendor.AMDATI && gpu.Vendor !== GPUVendor.Intel) {
      throw deviceError(`job requires GPU from unsupported vendor ${JSON.stringify(gpu.Vendor)}`);
    }
    for (const node of ['card', 'render']) {
      const link = posix.join('/dev/dri/by-path', `pci-${gpu.PCIAddress}-${node}`);
      const device = await resolve(link).catch((err: unknown) => {
        throw deviceError(`could not find attached device for GPU at ${JSON.stringify(link)}`, err);
      });
      settings.Devices.push(mapping(device));
    }
  }
  return settings;
}

function mapping(path: string): Docker.DeviceMapping {
  return { PathOnHost: path, PathInContainer: path, CgroupPermissions: 'rwm' };
}

function deviceError(message: string, cause?: unknown): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.ConfigurationError,
    component: DockerComponent,
    hint: "Check the node's GPU inventory: the allocated GPUs must be attached to this host",
    ...(cause === undefined ? {} : { cause }),
  });
}
