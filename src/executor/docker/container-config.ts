/**
 * The job container's create options (Go `newDockerJobContainer`), built from parts checked elsewhere.
 *
 * Beyond Bacalhau's settings, the container is hardened: never privileged, `no-new-privileges` (setuid
 * binaries cannot gain capabilities), a pids limit (a fork bomb stays inside the container), and swap
 * capped at the memory limit (a limit means out-of-memory, not swapping).
 * Docker's default capabilities are kept: busybox-style tools (chown, ping, ...) need them.
 *
 * The executor records the output from an attached stream. The daemon keeps a log of its own only
 * for a long-running task (service, daemon), which a restarted node re-attaches to: a bounded
 * `json-file` log (the driver Docker-compatible engines such as Podman read back too), from which the
 * node recovers what the task wrote while it was down (supervise.ts). A batch task is never
 * re-attached to, and a log would make a chatty one about five times slower, so its driver is
 * `none`. Measured here (Docker 20.10, 2 cores), attached and recorded as the executor
 * does, the drivers alternated in the same run, medians of 5: `seq 1 6500000` (50 MB of short lines)
 * 2.6 s with none, 12.9 s (×5.0) with local (max-size 20m, max-file 5; ×4.5 to ×4.7 uncompressed or
 * as one 200 MB file in other runs), 12.7 s (×5.0) with json-file (the same bounds); a shell loop
 * echoing 400,000 lines ×1.65 with either; `true` 108 ms with each.
 */
import type Docker from 'dockerode';
import type { Resources } from '../../models/resources.js';
import type { DeviceSettings } from './devices.js';
import { containerLabels, containerName, type ExecutionRef } from './naming.js';
import type { NetworkSettings } from './network.js';
import type { DockerEngineSpec } from '../../models/engines/docker.js';

/** Go's `NanoCPUCoefficient`: Docker counts CPU in billionths of a core. */
export const NanoCpusPerCore = 1_000_000_000;

/** A long-running task's log on the daemon: at most 5 files of 20 MB. */
const KeptLog: Docker.HostConfig['LogConfig'] = {
  Type: 'json-file',
  Config: { 'max-size': '20m', 'max-file': '5' },
};
const NoLog: Docker.HostConfig['LogConfig'] = { Type: 'none', Config: {} };

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
  /** Whether the daemon keeps a log of the task's output: for a long-running task only (see above). */
  keepLog: boolean;
}

export function containerCreateOptions(input: ContainerConfigInput): Docker.ContainerCreateOptions {
  const { spec, resources } = input;
  const memory = resources.Memory > 0 ? { Memory: resources.Memory, MemorySwap: resources.Memory } : {};
  const cpus = resources.CPU > 0 ? { NanoCpus: Math.round(resources.CPU * NanoCpusPerCore) } : {};
  return {
    name: containerName(input.ref, 'executor'),
    Image: spec.Image,
    // an Entrypoint not given keeps the image's; an empty one clears it (the daemon tells them apart)
    ...(spec.Entrypoint !== undefined && { Entrypoint: spec.Entrypoint }),
    // no Parameters: the daemon takes the image's Cmd, unless Entrypoint names a command
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
      LogConfig: input.keepLog ? KeptLog : NoLog,
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
