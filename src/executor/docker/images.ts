/**
 * Images on the node (Go `docker.Client.PullImage` and the image-platform bid check). An image present
 * locally is used as it is; only an absent one is pulled, so a node without a registry runs what it
 * has, and a missing image fails as soon as the daemon gives up (bounded by the caller's signal).
 */
import type Docker from 'dockerode';
import { daemonError, describe, imageNotAvailable, statusCode, throwIfAborted } from './errors.js';
import { createContainer } from './containers.js';
import { registryLogin } from './registry-credentials.js';

/** The image's inspect data, or undefined when the daemon does not have it. */
export async function inspectImage(
  docker: Docker,
  image: string,
): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    // no abort signal: dockerode's image inspect would send it to the daemon as a query parameter
    return await docker.getImage(image).inspect();
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw daemonError(`inspecting image ${JSON.stringify(image)}`, err);
  }
}

/**
 * Creates the container, pulling its image first only when the daemon says it has none (as
 * `docker run` does): a present image costs no extra call. Daemon errors are thrown as they come.
 * A node whose environment has SKIP_IMAGE_PULL (any value, as in Bacalhau) never pulls: a missing
 * image fails the create.
 * @throws BacalhauError naming Engine.Params.Image when the image is absent and cannot be pulled
 */
export async function createPullingImage(
  docker: Docker,
  options: Docker.ContainerCreateOptions & { Image: string },
  signal: AbortSignal,
): Promise<Docker.Container> {
  // The create itself is not aborted: the daemon completes a create whose client went away, and that
  // container would be left behind unnamed by anyone. The caller checks `signal` once it has the
  // container, and removes it.
  try {
    return await createContainer(docker, options);
  } catch (err) {
    if (!isNoSuchImage(err)) throw err;
    if (process.env[SkipImagePull] !== undefined) {
      throw imageNotAvailable(
        options.Image,
        err,
        `The compute node was started with ${SkipImagePull}, so it pulls no image: put ${options.Image} on ` +
          `the node (docker pull or docker load there), or start the node without ${SkipImagePull}`,
      );
    }
  }
  await pullImage(docker, options.Image, signal);
  return createContainer(docker, options);
}

/** Bacalhau's switch for nodes that must only run images already on them. */
const SkipImagePull = 'SKIP_IMAGE_PULL';

function isNoSuchImage(err: unknown): boolean {
  return statusCode(err) === 404 && /no such image/i.test(describe(err));
}

async function pullImage(docker: Docker, image: string, signal: AbortSignal): Promise<void> {
  try {
    const login = registryLogin(image);
    const progress = await docker.pull(image, { abortSignal: signal, ...(login && { authconfig: login }) });
    await drainProgress(progress);
  } catch (err) {
    throwIfAborted(signal);
    throw imageNotAvailable(image, err);
  }
}

/**
 * Reads a pull's (or import's) progress messages to the end: a failure comes as an `error` message in
 * the stream, after the reply's status said all was well.
 */
export async function drainProgress(progress: NodeJS.ReadableStream): Promise<void> {
  let pending = '';
  for await (const chunk of progress) {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) throwIfProgressError(line);
  }
  throwIfProgressError(pending);
}

function throwIfProgressError(line: string): void {
  let message: { error?: unknown };
  try {
    message = JSON.parse(line) as { error?: unknown };
  } catch {
    return; // not a progress message (an empty line): nothing to learn from it
  }
  if (typeof message.error === 'string') throw new Error(message.error);
}

/** `os/arch` of what the daemon runs (`linux/amd64`), as image configs spell it. */
export function daemonPlatform(version: Docker.DockerVersion): string {
  return `${version.Os}/${version.Arch}`;
}

export function imagePlatform(info: Docker.ImageInspectInfo): string {
  return `${info.Os}/${info.Architecture}`;
}
