/**
 * The sandbox of an HTTP-mode execution: a container with no network but loopback, whose network
 * namespace the job container joins. Its only process is the pause program (pause-binary.ts), in an
 * image imported on demand from a one-file root file system, so HTTP mode needs no registry and does
 * not depend on what the job's image contains.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ustarArchive } from '../../lib/tar-writer.js';
import { createContainer, removeContainer, runningPid } from './containers.js';
import { daemonError } from './errors.js';
import { drainProgress, inspectImage } from './images.js';
import { containerLabels, containerName, type ExecutionRef } from './naming.js';
import { pauseExecutable } from './pause-binary.js';

const SandboxRepository = 'bacalhau-ts/sandbox';
const PausePath = '/pause';

export interface Sandbox {
  id: string;
  /** The pause process's PID on the host: the way into the sandbox's network namespace. */
  pid: number;
}

/**
 * The sandbox image for the daemon's architecture, imported when absent. Its tag is the content's
 * hash, so a changed program is a new image and concurrent imports of the same one are harmless.
 */
export async function ensureSandboxImage(docker: Docker, arch: string, signal: AbortSignal): Promise<string> {
  const executable = pauseExecutable(arch);
  if (executable === undefined) throw new Error(`no sandbox program for architecture ${arch}`);
  const rootfs = ustarArchive([{ name: PausePath.slice(1), content: executable, mode: 0o755 }]);
  const tag = `${arch}-${createHash('sha256').update(rootfs).digest('hex').slice(0, 12)}`;
  const image = `${SandboxRepository}:${tag}`;
  if ((await inspectImage(docker, image)) !== undefined) return image;
  try {
    const output = await docker.importImage(Readable.from([rootfs]), {
      repo: SandboxRepository,
      tag,
      abortSignal: signal,
    });
    await drainProgress(output);
  } catch (err) {
    throw daemonError(`importing the HTTP sandbox image ${image}`, err);
  }
  return image;
}

/** Creates and starts the execution's sandbox, replacing a leftover one of the same name. */
export async function startSandbox(
  docker: Docker,
  ref: ExecutionRef,
  image: string,
  signal: AbortSignal,
): Promise<Sandbox> {
  const name = containerName(ref, 'sandbox');
  await removeContainer(docker, name);
  try {
    const container = await createContainer(docker, {
      name,
      Image: image,
      Entrypoint: [PausePath],
      Labels: containerLabels(ref, 'sandbox'),
      HostConfig: {
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        ReadonlyRootfs: true,
        SecurityOpt: ['no-new-privileges'],
        // Caps, not reservations: the pause program needs one task and little memory, but runc's init
        // (a Go program, threads and all) runs inside the same cgroup while it sets the container up.
        // A limit of 4 tasks had the kernel refuse its threads now and then on a busy machine, and the
        // start failed with 'cannot start a stopped process'.
        PidsLimit: 32,
        Memory: 64 * 1024 * 1024,
        LogConfig: { Type: 'none', Config: {} },
      },
      abortSignal: signal,
    });
    await container.start({ abortSignal: signal });
    return { id: container.id, pid: await runningPid(docker, container.id) };
  } catch (err) {
    await removeContainer(docker, name);
    throw daemonError('starting the HTTP sandbox container', err);
  }
}
