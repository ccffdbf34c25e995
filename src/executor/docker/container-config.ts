/**
 * The job container's create options (Go `newDockerJobContainer`), built from parts checked elsewhere.
 *
 * Beyond Bacalhau's settings, the container is hardened: never privileged, `no-new-privileges` (setuid
 * binaries cannot gain capabilities), a pids limit (a fork bomb stays inside the container), and swap
 * capped at the memory limit (a limit means out-of-memory, not swapping). The daemon keeps no log
 * (driver `none`): the executor records the output from an attached stream, and a log driver would
 * both fill the daemon's disk and slow a chatty task down many times (measured: 50 MB of short lines
 * take 1.3 s with none, 46 s with json-file).
 * Docker's default capabilities are kept: busybox-style tools (chown, ping, ...) need them.
 */
import type Docker from 'dockerode';
import type { Resources } from '../../models/resources.js';
import type { DeviceSettings } from './devices.js';
import { containerLabels, containerName, type ExecutionRef } from './naming.js';
import type { NetworkSettings } from './network.js';
import type { DockerEngineSpec } from './spec.js';

/** Go's `NanoCPUCoefficient`: Docker counts CPU in billionths of a core. */
export const NanoCpusPerCore = 1_000_000_000;

export interface ContainerConfigInput {
  ref: ExecutionRef;
  spec: DockerEngineSpec;
  /** The request's env (task env with the BACALHAU_* system env on top). */
  env: Readonly<Record<string, string>>;
  /** Set by the executor (the HTTP proxy): wins over everything else. */
  networkEnv: Readonly<Record<string, string>>;
  mounts: Docker.MountSettings[];
  resources: Resources;
  devices: DeviceSettings;
  network: NetworkSettings;
  pidsLimit: number;
}

export function containerCreateOptions(input: ContainerConfigInput): Docker.ContainerCreateOptions {
  const { spec, resources } = input;
  const memory = resources.Memory > 0 ? { Memory: resources.Memory, MemorySwap: resources.Memory } : {};
  const cpus = resources.CPU > 0 ? { NanoCpus: Math.round(resources.CPU * NanoCpusPerCore) } : {};
  return {
    name: containerName(input.ref, 'executor'),
    Image: spec.Image,
    // empty lists are left out: an empty Entrypoint would clear the image's instead of keeping it
    ...(spec.Entrypoint.length > 0 && { Entrypoint: spec.Entrypoint }),
    ...(spec.Parameters.length > 0 && { Cmd: spec.Parameters }),
    ...(spec.WorkingDirectory !== '' && { WorkingDir: spec.WorkingDirectory }),
    Env: mergeEnv(input.env, spec.EnvironmentVariables, input.networkEnv),
    Labels: containerLabels(input.ref, 'executor'),
    Tty: false,
    AttachStdin: false,
    OpenStdin: false,
    NetworkDisabled: input.network.networkDisabled,
    ...(input.network.exposedPorts && { ExposedPorts: input.network.exposedPorts }),
    HostConfig: {
      ...input.network.hostConfig,
      Mounts: input.mounts,
      ...memory,
      ...cpus,
      DeviceRequests: input.devices.DeviceRequests,
      Devices: input.devices.Devices,
      PidsLimit: input.pidsLimit,
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/**
 * Go's `envvar.MergeSlices(request env, engine env)`: an engine entry overrides the task entry of the
 * same name, entries without `=` are dropped; the network's entries come last and win. Sorted by
 * name, so a task sees the same order on every node.
 */
export function mergeEnv(
  env: Readonly<Record<string, string>>,
  engineEnv: readonly string[],
  networkEnv: Readonly<Record<string, string>>,
): string[] {
  const merged = new Map(Object.entries(env));
  for (const entry of engineEnv) {
    const at = entry.indexOf('=');
    if (at > 0) merged.set(entry.slice(0, at), entry.slice(at + 1));
  }
  for (const [name, value] of Object.entries(networkEnv)) merged.set(name, value);
  return [...merged]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`);
}
