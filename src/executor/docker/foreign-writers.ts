/**
 * The Docker side of the host's record of local inputs in use (../local-inputs-on-host.ts): a job
 * container with a writable local input that this process did not start (another node process's, or
 * one this node took up again after a restart) could be writing anywhere its folders were moved to,
 * which cannot be told from here, so no WASM task with local inputs starts while one runs.
 */
import type Docker from 'dockerode';
import type { ForeignWriterProbe } from '../local-inputs-on-host.js';
import { registryFolder } from '../local-inputs-on-host.js';
import { isFollowed } from './followed-mounts.js';
import { isNotListening } from './errors.js';
import { Label } from './naming.js';

/** The labels of a container whose local inputs include a writable one: the host record it is in. */
export function localWritesLabel(): Record<string, string> {
  return { [Label.LocalWrites]: registryFolder() };
}

/** How long a WASM task's start waits for the daemon's answer. */
const ListTimeoutMs = 10_000;

/** Finds, on the daemon, a running or paused container of the record's that this process did not start. */
export function foreignWriterProbe(docker: Docker): ForeignWriterProbe {
  return async () => {
    let found: Docker.ContainerInfo[];
    try {
      found = await docker.listContainers({
        filters: { label: [`${Label.LocalWrites}=${registryFolder()}`], status: ['running', 'paused'] },
        abortSignal: AbortSignal.timeout(ListTimeoutMs),
      });
    } catch (err) {
      // a node without a daemon (most WASM-only nodes) has no containers to fear
      if (isNotListening(err)) return undefined;
      return (
        'the Docker daemon could not say whether a Docker task with a writable local input runs that ' +
        `this node process did not start (${(err as Error).message}); a WASM task with local inputs ` +
        'is refused until it can'
      );
    }
    const foreign = found.find((info) => !isFollowed(info.Id));
    if (foreign === undefined) return undefined;
    return (
      `the container ${foreign.Id.slice(0, 12)} of a Docker task with a writable local input runs, started by ` +
      'another node process of this host or by this node before a restart, and where its folders are now ' +
      'cannot be told from here: a WASM task reads its inputs by name as it runs, and that task could swap ' +
      'a folder of them for a link meanwhile; a WASM task with local inputs is refused until it ends'
    );
  };
}
