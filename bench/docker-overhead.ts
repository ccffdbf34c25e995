/**
 * Docker overhead (Compute issue): a `busybox true` container (image `local/busybox`, network none) run
 * as a job on the embedded node with the Docker engine, from submission through the HTTP API until
 * the API says Completed, against the same container run raw with dockerode (create + start + wait +
 * remove), measured in the same run. Target: a ratio of medians of at most 1.10.
 *
 * The raw container gets what the executor's gets that matters to its cost: no network and no log
 * driver (the executor attaches to the output instead); a second baseline adds the executor's
 * hardening (pids limit, no-new-privileges). Docker Engine API calls of the job are timed too (see
 * lib/docker-api-timing.ts). Skips, exiting 0, when no daemon answers or the image is not there
 * (nothing is pulled).
 *
 *   npm run bench:docker -- [--runs 30] [--warmup 5] [--poll-ms 0] [--json]
 */
import type Docker from 'dockerode';
import { createContainer } from '../src/executor/docker/containers.js';
import { connectDaemon } from '../src/executor/docker/daemon.js';
import { DockerExecutor } from '../src/executor/docker/executor.js';
import { Engine, JobType } from '../src/models/constants.js';
import { NetworkType } from '../src/models/network.js';
import { benchMain } from './lib/cleanup.js';
import { overheadFlags, runOverheadBenchmark } from './lib/compute-overhead.js';
import { timeDockerApi } from './lib/docker-api-timing.js';

const Image = 'local/busybox';
const Command = ['true'];
/** On the raw containers, so that an interrupted run can find and remove them. */
const BenchLabel = 'bacalhau-ts-bench';

// a few rounds: each takes ~0.5 s of the Docker engine's own, which dominates both figures
const flags = overheadFlags(process.argv.slice(2), { warmup: 5 });

/**
 * What the executor sets on its containers beyond the raw baseline's, to harden them
 * (container-config.ts): a second baseline with them tells their cost apart from the node's.
 */
const Hardening = { PidsLimit: 2048, SecurityOpt: ['no-new-privileges'], Privileged: false };

async function rawContainer(docker: Docker, hostConfig: Docker.HostConfig = {}): Promise<number> {
  const start = performance.now();
  // the config in the body only, as the executor sends it (dockerode would copy it into the query string)
  const container = await createContainer(docker, {
    Image,
    Cmd: Command,
    Labels: { [BenchLabel]: String(process.pid) },
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none', LogConfig: { Type: 'none', Config: {} }, ...hostConfig },
  });
  await container.start();
  await container.wait({ condition: 'not-running' });
  await container.remove();
  return performance.now() - start;
}

/** Removes the raw containers an interrupted run left. */
async function removeRawContainers(docker: Docker): Promise<void> {
  const left = await docker.listContainers({
    all: true,
    filters: { label: [`${BenchLabel}=${process.pid}`] },
  });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

await benchMain(async (cleanup) => {
  const executor = await DockerExecutor.create({
    id: `bench${process.pid}`,
    instanceID: `bench${process.pid}`,
  });
  const { docker, socketPath } = connectDaemon();
  const daemon = socketPath ?? process.env['DOCKER_HOST'] ?? 'the default address';
  if (!(await executor.isInstalled())) {
    console.log(`skipped: no Docker daemon answers at ${daemon}`);
    return;
  }
  const image = await docker
    .getImage(Image)
    .inspect()
    .catch(() => undefined);
  if (image === undefined) {
    console.log(`skipped: image ${Image} is not on the daemon (scripts/provision-test-env.sh builds it)`);
    return;
  }
  cleanup.add(() => removeRawContainers(docker));
  cleanup.add(() => executor.stop());
  await runOverheadBenchmark(cleanup, {
    title: `Docker overhead: \`${Image} ${Command.join(' ')}\` as a job vs raw Engine API calls`,
    parameters: { daemon: `${daemon}, image ${Image} (${image.Id.slice(7, 19)})` },
    baselines: [
      { name: 'raw create+start+wait+remove', run: () => rawContainer(docker) },
      { name: 'raw, hardened as the executor does', run: () => rawContainer(docker, Hardening) },
    ],
    engines: { docker: executor },
    instrument: (timeline) => timeDockerApi(docker, timeline),
    // the job `bacalhau docker run --network none local/busybox true` submits
    job: () =>
      Promise.resolve({
        Type: JobType.Batch,
        Count: 1,
        Tasks: [
          {
            Name: 'main',
            Engine: {
              Type: Engine.Docker,
              Params: {
                Image,
                Entrypoint: null,
                Parameters: Command,
                EnvironmentVariables: null,
                WorkingDirectory: '',
              },
            },
            Network: { Type: NetworkType.None },
          },
        ],
      }),
    target: { measure: 'ratio', limit: 1.1, label: 'target ratio 1.10' },
    flags,
  });
});
