// The Docker executor against the real engine and the provisioned busybox image: the executor contract,
// then what only Docker has (images, entrypoints, limits, hardening, networks, re-attach and orphans).
// Every container a test creates carries an executor ID of this run; afterAll fails on any left over.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readFile, readdir, realpath, rename, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onDaemonCall } from '../../bench/lib/docker-api-timing.js';
import { runExecutorContract, type ContractTask } from '../../src/executor/executor.contract.js';
import { DockerExecutor, type DockerExecutorOptions } from '../../src/executor/docker/executor.js';
import { Label, containerLabels, containerName } from '../../src/executor/docker/naming.js';
import { LogFileName } from '../../src/executor/results.js';
import { claimLocalInputs } from '../../src/executor/local-inputs-in-use.js';
import { makeRequest, withTempDir } from '../../src/executor/testing.js';
import type { RunCommandRequest } from '../../src/executor/types.js';
import { BacalhauError, ErrorCode } from '../../src/models/bacerrors.js';
import type { Job } from '../../src/models/job.js';
import type { NetworkConfig } from '../../src/models/network.js';
import { REPO_ROOT, describeWithEnv, dockerEnv } from '../helpers/test-env.js';

describeWithEnv('docker executor', dockerEnv(), (env) => {
  /** Every executor of this file has an ID starting with this, so leftovers are found by label. */
  const runID = `t${randomUUID().slice(0, 8)}`;
  let counter = 0;
  const docker = new Docker(env.socketPath === null ? {} : { socketPath: env.socketPath });
  const executors: DockerExecutor[] = [];
  /** Images a test made; removed at the end. */
  const images: string[] = [];

  /** The data dir every executor of this file runs for, unless a test says otherwise. */
  const instanceID = `i${runID}`;

  /** HTTP-mode tasks may reach loopback, where this file's servers listen, unless a test says otherwise. */
  async function newExecutor(options: Partial<DockerExecutorOptions> = {}): Promise<DockerExecutor> {
    const executor = await DockerExecutor.create({
      id: `${runID}-${++counter}`,
      instanceID,
      allowNodeLocalEgress: true,
      ...options,
    });
    executors.push(executor);
    return executor;
  }

  afterAll(async () => {
    await Promise.all(executors.map((e) => e.stop()));
    const left = await docker.listContainers({ all: true });
    const ours = left.filter((c) => (c.Labels['bacalhau-executor'] ?? '').startsWith(runID));
    await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await Promise.all(images.map((i) => docker.getImage(i).remove({ force: true })));
    expect(ours.map((c) => c.Names[0])).toEqual([]);
  });

  const engine = (params: Record<string, unknown>) => ({
    Type: 'docker',
    Params: { Image: env.image, ...params },
  });
  const sh = (script: string): ContractTask => ({ engine: engine({ Entrypoint: ['sh', '-c', script] }) });
  /** Single quotes for sh, so test strings pass through unchanged. */
  const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

  runExecutorContract('docker', {
    create: () => newExecutor(),
    dispose: (executor) => (executor as DockerExecutor).stop(),
    print: (stdout, stderr) => sh(`printf %s ${quote(stdout)}; printf %s ${quote(stderr)} >&2`),
    // Docker reads stdout and stderr through separate pipes, so only writes some time apart keep
    // their order across the two streams (the same holds for Bacalhau)
    interleave: (lines) =>
      sh(
        `for i in $(seq 1 ${lines}); do echo "stdout $i"; sleep 0.05; echo "stderr $i" >&2; sleep 0.05; done`,
      ),
    exit: (code) => sh(`exit ${code}`),
    sleep: (ms) => sh(`sleep ${ms / 1000}`),
    writeOutput: (output, name, content) => sh(`printf %s ${quote(content)} > ${output.Path}/${name}`),
    catInput: (path) => sh(`cat ${path}`),
    printEnv: () => sh('env'),
    flood: () => sh('yes'),
  });

  /** Fresh folders per request; IDs are unique within the run. */
  let executions = 0;
  const newRequest = (dir: string, overrides: Partial<RunCommandRequest>): Promise<RunCommandRequest> =>
    makeRequest(dir, `e-${++executions}`, { jobID: `j-${executions}`, ...overrides });

  async function run(executor: DockerExecutor, req: RunCommandRequest) {
    await executor.start(req);
    return executor.wait(req.executionID);
  }

  async function rejection(promise: Promise<unknown>): Promise<BacalhauError> {
    const err: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BacalhauError);
    return err as BacalhauError;
  }

  /** The executor's job container of `req`, as the daemon describes it. */
  const inspectJob = (executor: DockerExecutor, req: RunCommandRequest) =>
    docker
      .getContainer(
        containerName(
          { executorID: executor.id, instanceID, jobID: req.jobID, executionID: req.executionID },
          'executor',
        ),
      )
      .inspect();

  /** Resolves once the execution's container runs (it is created within `start`, started just after). */
  async function runningContainer(executor: DockerExecutor, req: RunCommandRequest) {
    for (;;) {
      const info = await inspectJob(executor, req).catch(() => undefined);
      if (info?.State.Running === true) return info;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  let executor: DockerExecutor;
  /** A web server on the host's loopback only, for HTTP-mode tasks; it records the paths asked for. */
  let server: Server;
  let port: number;
  const requested: string[] = [];
  /** The X-Bacalhau-Job-ID each path was asked for with. */
  const jobIDs = new Map<string, string | undefined>();
  beforeAll(async () => {
    executor = await newExecutor();
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      jobIDs.set(req.url ?? '', req.headers['x-bacalhau-job-id'] as string | undefined);
      res.end('hello from the host\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  describe('engine params', () => {
    let imageWithEntrypoint: string;
    beforeAll(async () => {
      // an image whose ENTRYPOINT is set, made from busybox without a registry
      const base = await docker.createContainer({ Image: env.image });
      imageWithEntrypoint = `bacalhau-ts-test/entrypoint:${runID}`;
      await base.commit({
        repo: 'bacalhau-ts-test/entrypoint',
        tag: runID,
        changes: 'ENTRYPOINT ["echo", "from-image"]',
      });
      images.push(imageWithEntrypoint);
      await base.remove();
    });

    it("runs the image's ENTRYPOINT unless Entrypoint is given, with Parameters as its arguments", () =>
      withTempDir(async (dir) => {
        const image = { Image: imageWithEntrypoint, Parameters: ['a', 'b'] };
        const byImage = await run(executor, await newRequest(dir, { engine: engine(image) }));
        expect(byImage).toMatchObject({ Stdout: 'from-image a b\n', ExitCode: 0 });
        const overridden = await run(
          executor,
          await newRequest(dir, { engine: engine({ ...image, Entrypoint: ['echo', 'override'] }) }),
        );
        expect(overridden.Stdout).toBe('override a b\n');
      }));

    it("runs Parameters as the command when Entrypoint is empty, as Docker's API does for []", () =>
      withTempDir(async (dir) => {
        const cleared = { Image: imageWithEntrypoint, Entrypoint: [], Parameters: ['echo', 'own'] };
        const result = await run(executor, await newRequest(dir, { engine: engine(cleared) }));
        expect(result).toMatchObject({ Stdout: 'own\n', ExitCode: 0 });
      }));

    it('passes long Parameters (the daemon refuses a request line over 1 MB; the config goes in the body only)', () =>
      withTempDir(async (dir) => {
        // 4 × 100 KB of quotes: over 2 MB once JSON-escaped and URL-encoded, under Linux's 128 KB per argument
        const long = '"'.repeat(100_000);
        const params = {
          Entrypoint: ['sh', '-c', 'echo $# ${#1}', 'sh'],
          Parameters: [long, long, long, long],
        };
        const result = await run(executor, await newRequest(dir, { engine: engine(params) }));
        expect(result).toMatchObject({ Stdout: '4 100000\n', ExitCode: 0, ErrorMsg: '' });
      }));

    it('runs in WorkingDirectory', () =>
      withTempDir(async (dir) => {
        const result = await run(
          executor,
          await newRequest(dir, { engine: engine({ Entrypoint: ['pwd'], WorkingDirectory: '/etc' }) }),
        );
        expect(result.Stdout).toBe('/etc\n');
      }));

    it('gives the task env, where EnvironmentVariables override entries of the same name', () =>
      withTempDir(async (dir) => {
        const req = await newRequest(dir, {
          ...sh('env'),
          env: { A: 'task', B: 'task', BACALHAU_JOB_ID: 'j-env' },
        });
        req.engine.Params!['EnvironmentVariables'] = ['B=engine', 'C=engine'];
        const lines = (await run(executor, req)).Stdout.split('\n');
        expect(lines).toEqual(
          expect.arrayContaining(['A=task', 'B=engine', 'C=engine', 'BACALHAU_JOB_ID=j-env']),
        );
      }));

    it.each([
      [{ Image: '' }, "invalid docker engine param: 'Image' cannot be empty"],
      [
        { WorkingDirectory: 'etc' },
        `invalid docker engine param: 'WorkingDirectory' ("etc") must contain absolute path`,
      ],
      [
        { EnvironmentVariables: ['BACALHAU_X=1'] },
        "invalid docker engine param: environment variable 'BACALHAU_X' cannot start with BACALHAU_",
      ],
      [
        { Parameters: 'echo hi' },
        `invalid docker engine param: 'Parameters' must be a list of strings, not a string ("echo hi")`,
      ],
    ])('refuses %j before anything runs, naming the field', (params, message) =>
      withTempDir(async (dir) => {
        const req = await newRequest(dir, { engine: engine(params) });
        const err = await rejection(executor.start(req));
        expect(err).toMatchObject({ code: ErrorCode.ExecutorSpecValidationErr, message });
        expect(err.hint).toContain('Task.Engine.Params');
        await noContainersLeft(executor);
        // nothing was registered: a corrected retry may reuse the ID
        const fixed = await run(executor, { ...req, ...sh('echo fixed') });
        expect(fixed.Stdout).toBe('fixed\n');
      }),
    );

    it.each([
      // an executable that is not found, called out as Bacalhau does
      [
        'no-such-binary',
        /^failed to start container: executable file not found: Error response from daemon: .*no-such-binary/,
      ],
      // any other failure: said once, with what Docker said
      ['/no/such/binary', /^failed to start container: .*\/no\/such\/binary/],
    ])('reports a container that fails to start (%s) as a failed start', (entrypoint, message) =>
      withTempDir(async (dir) => {
        const result = await run(
          executor,
          await newRequest(dir, { engine: engine({ Entrypoint: [entrypoint] }) }),
        );
        expect(result.ExitCode).toBe(-1);
        expect(result.ErrorMsg).toMatch(message);
        expect(result.ErrorMsg.match(/failed to start container/g)).toHaveLength(1);
      }),
    );
  });

  describe('images', () => {
    it('fails start at once, naming Engine.Params.Image, for an image that is absent and cannot be pulled', () =>
      withTempDir(async (dir) => {
        // a registry on a loopback port nobody listens on: the pull fails without leaving the host
        const image = '127.0.0.1:9/bacalhau-ts/missing:1';
        const started = Date.now();
        const err = await rejection(
          executor.start(await newRequest(dir, { engine: engine({ Image: image }) })),
        );
        expect(Date.now() - started).toBeLessThan(15_000);
        // Go's code (pkg/docker/errors.go), which the execution's error event carries as Docker:ImageNotFound
        expect(err.code).toBe(ErrorCode.ImageNotFound);
        expect(err.message).toContain(`image not available: "${image}"`);
        expect(err.hint).toContain('Task.Engine.Params.Image');
      }));

    it('fails start with the Image field to fix for a reference Docker cannot parse, before asking the daemon', () =>
      withTempDir(async (dir) => {
        const err = await rejection(
          executor.start(await newRequest(dir, { engine: engine({ Image: 'BAD::IMAGE' }) })),
        );
        expect(err.code).toBe(ErrorCode.ExecutorSpecValidationErr);
        expect(err.message).toBe(
          'invalid docker engine param: \'Image\' ("BAD::IMAGE") is not an image reference Docker takes: invalid reference format',
        );
        expect(err.hint).toContain('Fix Task.Engine.Params');
      }));

    it("bids on a local image built for the daemon's platform, and on jobs of other engines", async () => {
      const job = (
        engineSpec: { Type: string; Params?: Record<string, unknown> },
        network?: NetworkConfig,
      ): Job =>
        ({
          Tasks: [{ Name: 't', Engine: engineSpec, ...(network && { Network: network }) }],
        }) as unknown as Job;
      const local = await executor.shouldBid({ nodeID: 'n', job: job(engine({})) });
      expect(local.shouldBid).toBe(true);
      expect(local.reason).toMatch(
        /^this node does support the available image platforms \[linux\/\w+\] \(supports \[linux\/\w+\]\)$/,
      );
      expect((await executor.shouldBid({ nodeID: 'n', job: job({ Type: 'wasm' }) })).shouldBid).toBe(true);
      const bridge = await executor.shouldBid({ nodeID: 'n', job: job(engine({}), { Type: 'Bridge' }) });
      expect(bridge).toMatchObject({
        shouldBid: false,
        reason: expect.stringContaining('Network.Type Bridge') as string,
      });
    });
  });

  describe('file system', () => {
    it('refuses writes into a read-only input, and allows them into a writable one', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        const write = sh('echo x > /data/new.txt');
        const readOnly = await run(
          executor,
          await newRequest(dir, { ...write, inputs: [{ source: data, target: '/data', readOnly: true }] }),
        );
        expect(readOnly.ExitCode).not.toBe(0);
        expect(readOnly.stderr).toContain('Read-only file system');
        const writable = await run(
          executor,
          await newRequest(dir, { ...write, inputs: [{ source: data, target: '/data', readOnly: false }] }),
        );
        expect(writable.ExitCode).toBe(0);
        expect(await readFile(join(data, 'new.txt'), 'utf8')).toBe('x\n');
      }));

    it("never mounts the daemon's socket, nor a folder that holds it", () =>
      withTempDir(async (dir) => {
        // as the local storage hands them over: real paths
        const socket = await realpath(env.socketPath ?? '/var/run/docker.sock');
        for (const [source, problem] of [
          [socket, "is the Docker daemon's socket"],
          [dirname(socket), `holds the Docker daemon's socket (${socket})`],
        ] as const) {
          const req = await newRequest(join(dir, source), {
            ...sh('true'),
            inputs: [{ source, target: '/host', readOnly: true }],
          });
          const err = await rejection(executor.start(req));
          expect(err.code).toBe(ErrorCode.InputConfigError);
          expect(err.message).toContain(`input source ${JSON.stringify(source)} ${problem}`);
        }
      }));

    it('refuses a local input whose path was made to lead elsewhere after it was checked', () =>
      withTempDir(async (dir) => {
        const [work, secret] = [join(dir, 'shared', 'work'), join(dir, 'secret')];
        await mkdir(work, { recursive: true });
        await mkdir(secret);
        await writeFile(join(secret, 'key'), 'host secret');
        // checked (and resolved) by the local storage, then swapped for a link by a task that can write
        // to the folder around it
        const checked = await realpath(work);
        await rename(work, join(dir, 'shared', 'old'));
        await symlink(secret, work);
        const req = await newRequest(join(dir, 'run'), {
          ...sh('cat /work/key'),
          inputs: [{ source: checked, target: '/work', readOnly: false }],
        });
        const err = await rejection(executor.start(req));
        expect(err.code).toBe(ErrorCode.InputConfigError);
        expect(err.message).toContain(
          `input source ${JSON.stringify(checked)} now leads to ${JSON.stringify(await realpath(secret))}: it changed after it was checked`,
        );
        expect(err.hint).toContain('once no running job moves the folders');
      }));
  });

  describe('a local input below a folder a running task writes', () => {
    /**
     * Containers reading `source`'s `key` until eight were mounted, each started out of step with a
     * writer swapping `source` for a link: how many were mounted, and what those read that was not the
     * input (the refused ones led elsewhere or nowhere, as checked or checked again).
     */
    async function readersUntilMounted(
      dir: string,
      source: string,
    ): Promise<{ mounted: number; strange: string[] }> {
      const strange: string[] = [];
      let mounted = 0;
      for (let i = 0; mounted < 8 && i < 400; i++) {
        const reader = await newRequest(join(dir, `reader-${i}`), {
          ...sh('cat /work/key'),
          inputs: [{ source, target: '/work', readOnly: true }],
        });
        const outcome = await run(executor, reader).then(
          (result) => result.Stdout,
          (err: unknown) => (err as Error).message,
        );
        if (!/changed after it was checked|does not exist/.test(outcome)) {
          mounted++;
          if (outcome !== 'the input') strange.push(outcome);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 35));
      }
      return { mounted, strange };
    }

    it("is refused writable while a WASM task's input overlaps it (the WASM task reads by name as it runs)", () =>
      withTempDir(async (dir) => {
        const shared = join(await realpath(dir), 'shared');
        await mkdir(join(shared, 'work'), { recursive: true });
        // as a running WASM task with shared/work as its input holds it
        const reader = claimLocalInputs('wasm', [{ path: join(shared, 'work'), writable: false }]);
        if ('conflict' in reader) throw new Error(reader.conflict);
        try {
          const writer = await newRequest(join(dir, 'writer'), {
            ...sh('true'),
            inputs: [{ source: shared, target: '/w', readOnly: false }],
          });
          const err = await rejection(executor.start(writer));
          expect(err.code).toBe(ErrorCode.InputConfigError);
          expect(err.message).toContain(
            `the writable local input ${JSON.stringify(shared)} of a Docker task`,
          );
          expect(err.hint).toBe(
            "Mount the other job's local input read-only, or run the jobs one after the other",
          );
          // read-only, it cannot swap anything: it runs
          const readOnly = await newRequest(join(dir, 'reader'), {
            ...sh('true'),
            inputs: [{ source: shared, target: '/w', readOnly: true }],
          });
          expect((await run(executor, readOnly)).ExitCode).toBe(0);
        } finally {
          reader.release();
        }
      }));

    it('is never swapped for a link while it is mounted: the writer is paused, the input checked again', () =>
      withTempDir(async (dir) => {
        // real paths, as the local storage hands them over
        const shared = join(await realpath(dir), 'shared');
        await mkdir(join(shared, 'work'), { recursive: true });
        await writeFile(join(shared, 'work', 'key'), 'the input');
        const secret = join(dir, 'secret');
        await mkdir(secret);
        await writeFile(join(secret, 'key'), 'host secret');
        // a task with the folder above the input writable swaps the input for a link to another host
        // folder and back, each state held 30 ms, as an attacker would
        const writer = await newRequest(join(dir, 'writer'), {
          ...sh(
            `while true; do mv /w/work /w/real; ln -s ${quote(secret)} /w/work; usleep 30000; ` +
              'rm /w/work; mv /w/real /w/work; usleep 30000; done',
          ),
          inputs: [{ source: shared, target: '/w', readOnly: false }],
        });
        await executor.start(writer);
        await runningContainer(executor, writer);
        // each reader's start meets the link half the time unguarded
        const { mounted, strange } = await readersUntilMounted(dir, join(shared, 'work'));
        await executor.cancel(writer.executionID);
        expect(mounted).toBe(8);
        expect(strange).toEqual([]);
      }));

    it('waits for a writer something else paused to be resumed, and pauses it itself for the start', () =>
      withTempDir(async (dir) => {
        const shared = join(await realpath(dir), 'shared');
        await mkdir(join(shared, 'work'), { recursive: true });
        await writeFile(join(shared, 'work', 'key'), 'the input');
        const writer = await newRequest(join(dir, 'writer'), {
          ...sh('sleep 60'),
          inputs: [{ source: shared, target: '/w', readOnly: false }],
        });
        await executor.start(writer);
        const writerID = (await runningContainer(executor, writer)).Id;
        // as another node's guard on the same daemon holds it, to resume it whenever its own start ends
        await docker.getContainer(writerID).pause();
        try {
          const reader = await newRequest(join(dir, 'reader'), {
            ...sh('cat /work/key'),
            inputs: [{ source: join(shared, 'work'), target: '/work', readOnly: true }],
          });
          const read = run(executor, reader);
          await new Promise((resolve) => setTimeout(resolve, 500));
          // not started while the writer's resume is someone else's to time
          expect((await inspectJob(executor, reader)).State.Status).toBe('created');
          await docker.getContainer(writerID).unpause();
          expect((await read).Stdout).toBe('the input');
        } finally {
          await executor.cancel(writer.executionID);
        }
      }));

    // a bind mount follows its folder: once another task renamed the writer's folder, the path the
    // daemon reports for the writer's mount names nothing, and the writer must still be found
    describe("after another task renamed the writer's folder", () => {
      /**
       * A writer with `shared/q` writable running `script` in the background, whose folder a second task
       * then renames to `shared/q2`. Its first process leaves for a `chroot`, which hides its mounts
       * from the kernel's table of them (/proc/<pid>/mountinfo): the writer is followed all the same.
       */
      async function movedWriter(
        dir: string,
        script: string,
      ): Promise<{ shared: string; writer: RunCommandRequest }> {
        const shared = join(await realpath(dir), 'shared');
        await mkdir(join(shared, 'q', 'work'), { recursive: true });
        await writeFile(join(shared, 'q', 'work', 'key'), 'the input');
        const writer = await newRequest(join(dir, 'writer'), {
          ...sh(`(${script}) & mkdir /r && cp /bin/busybox /r/ && exec chroot /r /busybox sleep 60`),
          inputs: [{ source: join(shared, 'q'), target: '/w', readOnly: false }],
        });
        await executor.start(writer);
        await runningContainer(executor, writer);
        const renamer = await newRequest(join(dir, 'renamer'), {
          ...sh('mv /s/q /s/q2'),
          inputs: [{ source: shared, target: '/s', readOnly: false }],
        });
        expect((await run(executor, renamer)).ExitCode).toBe(0);
        return { shared, writer };
      }

      it('keeps a WASM task off the folder where it now is', () =>
        withTempDir(async (dir) => {
          const { shared, writer } = await movedWriter(dir, 'true');
          try {
            const reader = claimLocalInputs('wasm', [{ path: join(shared, 'q2', 'work'), writable: false }]);
            if (!('conflict' in reader)) reader.release();
            expect(reader).toEqual({
              conflict: expect.stringContaining(
                `the writable local input ${JSON.stringify(join(shared, 'q2'))} of a Docker task`,
              ) as unknown,
            });
          } finally {
            await executor.cancel(writer.executionID);
          }
        }));

      it('pauses the writer while a container mounts an input below it', () =>
        withTempDir(async (dir) => {
          const secret = join(dir, 'secret');
          await mkdir(secret);
          await writeFile(join(secret, 'key'), 'host secret');
          const { shared, writer } = await movedWriter(
            dir,
            `while true; do mv /w/work /w/real 2>/dev/null && ln -s ${quote(secret)} /w/work; usleep 30000; ` +
              'rm -f /w/work; mv /w/real /w/work 2>/dev/null; usleep 30000; done',
          );
          const { mounted, strange } = await readersUntilMounted(dir, join(shared, 'q2', 'work'));
          await executor.cancel(writer.executionID);
          expect(mounted).toBe(8);
          expect(strange).toEqual([]);
        }));
    });
  });

  describe('limits', () => {
    it('reports a task killed for exceeding its memory as `memory limit exceeded`', () =>
      withTempDir(async (dir) => {
        const req = await newRequest(dir, {
          engine: engine({ Entrypoint: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'] }),
          resources: { CPU: 0, Memory: 16 * 1024 * 1024, Disk: 0, GPU: 0 },
        });
        expect(await run(executor, req)).toMatchObject({ ErrorMsg: 'memory limit exceeded', ExitCode: 137 });
      }));

    it('keeps a fork bomb inside the pids limit; the node runs the next task normally', () =>
      withTempDir(async (dir) => {
        const limited = await newExecutor({ pidsLimit: 64 });
        // `exec`: once the bomb fills the pids, a fork by the shell fails and busybox sh exits, which
        // would end the container before its cgroup is read
        const req = await newRequest(dir, {
          ...sh('b() { b | b & }; b; exec sleep 60'),
          resources: { CPU: 0.5, Memory: 0, Disk: 0, GPU: 0 },
          timeoutMs: 3000,
        });
        await limited.start(req);
        const info = await runningContainer(limited, req);
        expect(info.HostConfig.PidsLimit).toBe(64);
        const pids = await pidsCgroup(info.State.Pid);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(Number(await readFile(join(pids, 'pids.current'), 'utf8'))).toBeLessThanOrEqual(64);
        // forks were refused at the limit
        expect(await readFile(join(pids, 'pids.events'), 'utf8')).toMatch(/^max [1-9]/);
        await expect(limited.wait(req.executionID)).rejects.toMatchObject({ code: ErrorCode.TimeOut });
        await limited.cancel(req.executionID); // told at the timeout: the bomb is stopped behind
        expect((await run(executor, await newRequest(dir, sh('echo alive')))).Stdout).toBe('alive\n');
      }));

    it('cancels a task that ignores SIGTERM, and removes its container', () =>
      withTempDir(async (dir) => {
        const req = await newRequest(dir, sh('trap "" TERM; sleep 60'));
        await executor.start(req);
        await runningContainer(executor, req);
        const started = Date.now();
        await executor.cancel(req.executionID);
        expect(Date.now() - started).toBeLessThan(5000);
        await expect(executor.wait(req.executionID)).rejects.toMatchObject({
          code: ErrorCode.ExecutionAlreadyCancelled,
        });
        await expect(inspectJob(executor, req)).rejects.toMatchObject({ statusCode: 404 });
      }));

    it('reports a task ignoring SIGTERM at its timeout, and stops it behind', () =>
      withTempDir(async (dir) => {
        const req = await newRequest(dir, { ...sh('trap "" TERM; sleep 60'), timeoutMs: 500 });
        await executor.start(req);
        // from the start's end: the timeout counts from its beginning, the container's creation included
        const started = Date.now();
        await expect(executor.wait(req.executionID)).rejects.toMatchObject({
          code: ErrorCode.TimeOut,
          retryable: true,
        });
        // told at the timeout, not after the second's grace before SIGKILL (Go's wait returns then too)
        expect(Date.now() - started).toBeLessThan(1000);
        await executor.cancel(req.executionID); // resolves once the container is gone
        await expect(inspectJob(executor, req)).rejects.toMatchObject({ statusCode: 404 });
      }));

    it('keeps memory and disk bounded for a task writing far more than the output limits', () =>
      withTempDir(async (dir) => {
        const before = process.memoryUsage().rss;
        const req = await newRequest(dir, {
          ...sh('head -c 150000000 /dev/zero; echo done >&2'),
          outputLimits: {
            maxStdoutFileLength: 1024 * 1024,
            maxStdoutReturnLength: 2048,
            maxStderrFileLength: 1024,
            maxStderrReturnLength: 2048,
          },
        });
        const result = await run(executor, req);
        expect(result).toMatchObject({ ExitCode: 0, StdoutTruncated: true, stderr: 'done\n' });
        expect((await readFile(join(req.resultsDir, 'stdout'))).length).toBe(1024 * 1024);
        expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
      }));
  });

  describe('containers', () => {
    it('names and labels the container as Bacalhau does, and hardens it', () =>
      withTempDir(async (dir) => {
        const req = await newRequest(dir, {
          ...sh('sleep 60'),
          resources: { CPU: 0.5, Memory: 64 * 1024 * 1024, Disk: 0, GPU: 0 },
        });
        await executor.start(req);
        const info = await runningContainer(executor, req);
        expect(info.Name).toBe(`/bacalhau-${executor.id}-${req.jobID}-${req.executionID}-executor`);
        expect(info.Config.Labels).toMatchObject({
          'bacalhau-executor': executor.id,
          'bacalhau-jobID': executor.id + req.jobID,
          'bacalhau-executionID': executor.id + req.executionID,
        });
        expect(info.HostConfig).toMatchObject({
          Privileged: false,
          SecurityOpt: ['no-new-privileges'],
          PidsLimit: 2048,
          Memory: 64 * 1024 * 1024,
          MemorySwap: 64 * 1024 * 1024,
          NanoCpus: 500_000_000,
          NetworkMode: 'none',
          LogConfig: { Type: 'none' },
        });
        expect(info.Mounts.map((m) => m.Source).join(' ')).not.toContain('docker.sock');
        expect((await executor.listContainers()).map((c) => [c.executionID, c.role, c.state])).toEqual([
          [req.executionID, 'executor', 'running'],
        ]);
        await executor.cancel(req.executionID);
      }));

    it('asks the daemon only what a fresh execution needs, and a bid nothing twice', () =>
      withTempDir(async (dir) => {
        const fresh = await newExecutor();
        // the first start looks once for containers a previous process left
        await run(fresh, await newRequest(dir, sh('true')));
        const req = await newRequest(dir, sh('true'));
        const runCalls = await daemonCalls(() => run(fresh, req), 'DELETE /containers/{id}');
        expect(runCalls).toEqual([
          'POST /containers/create',
          'POST /containers/{id}/attach',
          'POST /containers/{id}/start',
          'POST /containers/{id}/wait',
          'GET /containers/{id}/json',
          'DELETE /containers/{id}',
        ]);
        const job = {
          Tasks: [{ Name: 't', Engine: engine({}), Network: { Type: 'None' } }],
        } as unknown as Job;
        const bidCalls = await daemonCalls(async () => {
          await fresh.shouldBid({ nodeID: 'n', job });
          await fresh.shouldBid({ nodeID: 'n', job });
        });
        expect(bidCalls.sort()).toEqual([`GET /images/${env.image}/json`, 'GET /version']);
      }));

    it('leaves no container behind when cancelled while the container is being created', () =>
      withTempDir(async (dir) => {
        const fresh = await newExecutor();
        await run(fresh, await newRequest(dir, sh('true'))); // past the first start's leftover lookup
        for (const delayMs of [0, 1, 2, 4, 8, 16]) {
          const req = await newRequest(dir, sh('sleep 30'));
          const starting = fresh.start(req).catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          await fresh.cancel(req.executionID).catch(() => undefined);
          await starting;
        }
        await noContainersLeft(fresh);
      }));

    it('removes the container once the result is written, without making the result wait', () =>
      withTempDir(async (dir) => {
        const req = await newRequest(dir, sh('echo done'));
        expect((await run(executor, req)).Stdout).toBe('done\n');
        await noContainersLeft(executor);
        await expect(inspectJob(executor, req)).rejects.toMatchObject({ statusCode: 404 });
      }));

    // the executor reaches the daemon through a relay whose open connections the test closes (as a
    // daemon restart does) or silences (as a dead link does: no answer ever comes); the container
    // runs on meanwhile, and new connections reach the daemon
    it.each(['closed', 'silenced'])(
      'learns how a container ended when its connections to the daemon are %s',
      (cut) =>
        withTempDir(async (dir) => {
          const relayPath = join(dir, 'relay.sock');
          const links = new Set<Socket>();
          const relay = createNetServer((client) => {
            const daemon = connect(env.socketPath ?? '/var/run/docker.sock');
            for (const socket of [client, daemon]) {
              links.add(socket);
              socket.on('error', () => undefined);
              socket.on('close', () => links.delete(socket));
            }
            client.pipe(daemon).pipe(client);
          });
          relay.listen(relayPath);
          await once(relay, 'listening');
          const saved = process.env['DOCKER_HOST'];
          process.env['DOCKER_HOST'] = `unix://${relayPath}`;
          try {
            const relayed = await newExecutor();
            const req = await newRequest(dir, sh('echo before; sleep 2; echo after; exit 3'));
            await relayed.start(req);
            await fileContains(join(req.resultsDir, 'stdout'), 'before\n');
            for (const socket of links) {
              if (cut === 'closed') socket.destroy();
              else socket.unpipe();
            }
            const result = await relayed.wait(req.executionID);
            // the exit code comes through; the output written while no stream was attached is lost,
            // and the result says so instead of passing the cut output off as complete
            expect(result.ExitCode).toBe(3);
            expect(result.Stdout).toBe('before\n');
            expect(result.ErrorMsg).toMatch(/^failed to capture container output: /);
            // and the container is removed over the connections that work
            await noContainersLeft(relayed);
          } finally {
            if (saved === undefined) delete process.env['DOCKER_HOST'];
            else process.env['DOCKER_HOST'] = saved;
            for (const socket of links) socket.destroy();
            relay.close();
          }
        }),
    );

    it("runs other jobs when a writer's folder was moved deeper than a path can name; WASM tasks wait", () =>
      withTempDir(async (dir) => {
        const shared = join(await realpath(dir), 'shared');
        const other = join(await realpath(dir), 'other');
        await mkdir(join(shared, 'q'), { recursive: true });
        await mkdir(other);
        await writeFile(join(other, 'key'), 'other');
        const writer = await newRequest(join(dir, 'writer'), {
          ...sh('sleep 60'),
          inputs: [{ source: join(shared, 'q'), target: '/w', readOnly: false }],
        });
        await executor.start(writer);
        await runningContainer(executor, writer);
        // 25 folders of 200 characters around it, one at a time: ~5,000 characters, over PATH_MAX
        const b = 'b=bbbbbbbbbb; b=$b$b$b$b$b$b$b$b$b$b; b=$b$b';
        const mover = await newRequest(join(dir, 'mover'), {
          ...sh(
            `${b}; cd /s; top=q; for i in $(seq 1 25); do mkdir n$i$b && mv $top n$i$b/ && top=n$i$b; done`,
          ),
          inputs: [{ source: shared, target: '/s', readOnly: false }],
        });
        expect((await run(executor, mover)).ExitCode).toBe(0);
        try {
          const reader = await newRequest(join(dir, 'reader'), {
            ...sh('cat /o/key'),
            inputs: [{ source: other, target: '/o', readOnly: true }],
          });
          expect((await run(executor, reader)).Stdout).toBe('other');
          const wasm = claimLocalInputs('wasm', [{ path: other, writable: false }]);
          if (!('conflict' in wasm)) wasm.release();
          expect(wasm).toEqual({
            conflict: expect.stringContaining('deeper than a path can name') as unknown,
          });
        } finally {
          await executor.cancel(writer.executionID);
          // flattened again, so that the temporary folder can be removed
          const flatten = await newRequest(join(dir, 'flatten'), {
            ...sh(`${b}; cd /s; for i in $(seq 25 -1 2); do mv n$i$b/n$((i - 1))$b ./; done; rm -rf n*`),
            inputs: [{ source: shared, target: '/s', readOnly: false }],
          });
          await run(executor, flatten);
        }
      }));

    it('keeps WASM tasks with local inputs waiting while a writer it took up again after a restart runs', () =>
      withTempDir(async (dir) => {
        const id = `${runID}-restart-writer`;
        const shared = join(await realpath(dir), 'shared');
        await mkdir(shared);
        const writer = await newRequest(join(dir, 'writer'), {
          ...sh('sleep 60'),
          inputs: [{ source: shared, target: '/w', readOnly: false }],
        });
        await crashAfterStarting(dir, id, [writer]);
        const restarted = await newExecutor({ id });
        await restarted.start(writer);
        try {
          // where its folder is now cannot be told (a task may have moved it while no node watched)
          const reader = claimLocalInputs('wasm', [{ path: join(dir, 'elsewhere'), writable: false }]);
          if (!('conflict' in reader)) reader.release();
          expect(reader).toEqual({
            conflict: expect.stringContaining('took it up again after a restart') as unknown,
          });
        } finally {
          await restarted.cancel(writer.executionID);
          await restarted.wait(writer.executionID).catch(() => undefined);
        }
        const after = claimLocalInputs('wasm', [{ path: join(dir, 'elsewhere'), writable: false }]);
        expect(after).toHaveProperty('release');
        if ('release' in after) after.release();
      }));

    it('re-attaches to running containers after a restart, serves their HTTP proxy again, and removes orphans', () =>
      withTempDir(async (dir) => {
        const id = `${runID}-restart`;
        // The tasks wait for the test to open a gate once the new executor has re-attached to them: what
        // a task writes while no node is attached is lost, however slow the restart.
        const gate = join(dir, 'gate');
        await mkdir(gate);
        const waitForGate = 'until [ -e /gate/open ]; do sleep 0.1; done';
        const inputs = [{ source: gate, target: '/gate', readOnly: true }];
        const survivor = await newRequest(dir, { ...sh(`${waitForGate}; echo after`), inputs });
        const web = await newRequest(dir, {
          ...sh(`${waitForGate}; wget -q -O - http://localhost:${port}/after-restart`),
          inputs,
          network: { Type: 'HTTP', Domains: ['localhost'] },
        });
        const orphan = await newRequest(dir, sh('sleep 60'));
        await crashAfterStarting(dir, id, [survivor, web, orphan]);

        const restarted = await newExecutor({ id });
        const found = await restarted.listContainers();
        expect(found.map((c) => `${c.executionID} ${c.role}`).sort()).toEqual(
          [
            `${survivor.executionID} executor`,
            `${web.executionID} executor`,
            `${web.executionID} sandbox`,
            `${orphan.executionID} executor`,
          ].sort(),
        );
        const known = new Set([survivor.executionID, web.executionID]);
        const removed = await restarted.removeOrphans((executionID) => known.has(executionID));
        expect(removed.map((c) => c.executionID)).toEqual([orphan.executionID]);

        // the node's new executor is asked to start the executions it knows: it finds their containers
        await Promise.all([restarted.start(survivor), restarted.start(web)]);
        await writeFile(join(gate, 'open'), '');
        const [result, webResult] = await Promise.all([
          restarted.wait(survivor.executionID),
          restarted.wait(web.executionID),
        ]);
        expect(result).toMatchObject({ ErrorMsg: '', Stdout: 'after\n', ExitCode: 0 });
        expect(webResult).toMatchObject({ Stdout: 'hello from the host\n', ExitCode: 0 });
        expect(jobIDs.get('/after-restart')).toBe(web.jobID);
        await noContainersLeft(restarted);
      }));

    it('keeps what a task wrote, before and while the node was down, when its container cannot be taken up again (its HTTP sandbox went)', () =>
      withTempDir(async (dir) => {
        const id = `${runID}-lost-sandbox`;
        const req = await newRequest(dir, {
          ...sh('echo before; sleep 1; echo while down; sleep 60'),
          network: { Type: 'HTTP', Domains: ['localhost'] },
          longRunning: true, // (a batch task's container keeps no log in the daemon)
        });
        await crashAfterStarting(dir, id, [req], () =>
          fileContains(join(req.resultsDir, 'stdout'), 'before\n'),
        );
        const restarted = await newExecutor({ id });
        const containers = await restarted.listContainers();
        const task = docker.getContainer(
          containers.find((c) => c.role !== 'sandbox')?.id ?? 'no task container',
        );
        while (!(await task.logs({ stdout: true, follow: false })).toString().includes('while down')) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const sandbox = containers.find((c) => c.role === 'sandbox');
        await docker.getContainer(sandbox?.id ?? 'the sandbox was not found').kill();

        await expect(restarted.start(req)).rejects.toThrow(
          /^reopening the HTTP network of the container left by the previous run: container \w+ is not running$/,
        );
        // what its previous process recorded and, once, what the daemon logged since: in the stdout file
        // and in the log file that `job logs` serves from now on (the execution is over for the executor)
        expect(await readFile(join(req.resultsDir, 'stdout'), 'utf8')).toBe('before\nwhile down\n');
        expect(await readFile(join(req.logsDir, LogFileName), 'utf8')).toMatch(/before\n[\s\S]*while down\n/);
        await noContainersLeft(restarted);
      }));

    it('still finds and sweeps a container made before containers carried their instance label', async () => {
      const id = `${runID}-legacy`;
      const ref = { executorID: id, instanceID, jobID: 'j-legacy', executionID: 'e-legacy' };
      const legacyLabels = containerLabels(ref, 'executor');
      delete legacyLabels[Label.Instance];
      const created = await docker.createContainer({
        Image: env.image,
        Cmd: ['sleep', '60'],
        name: containerName(ref, 'executor'),
        Labels: legacyLabels,
      });
      const executor = await newExecutor({ id });
      expect((await executor.listContainers()).map((c) => c.executionID)).toEqual(['e-legacy']);
      expect((await executor.removeOrphans(() => false)).map((c) => c.executionID)).toEqual(['e-legacy']);
      await expect(created.inspect()).rejects.toMatchObject({ statusCode: 404 });
    });

    it("leaves another data dir's containers alone under the same node ID: no orphan sweep, no stop takes them", () =>
      withTempDir(async (dir) => {
        const id = `${runID}-twin`;
        const first = await newExecutor({ id });
        const req = await newRequest(dir, sh('sleep 2; echo still here'));
        const running = run(first, req);
        await runningContainer(first, req);

        const twin = await newExecutor({ id, instanceID: `${instanceID}-other` });
        expect(await twin.listContainers()).toEqual([]);
        expect(await twin.removeOrphans(() => false)).toEqual([]);
        await twin.stop();
        expect((await first.listContainers()).map((c) => c.executionID)).toEqual([req.executionID]);
        expect(await running).toMatchObject({ ErrorMsg: '', Stdout: 'still here\n', ExitCode: 0 });
      }));

    /**
     * Runs a task printing `line 1` to `line <lines>` on stdout and `err 1`... on stderr, one pair
     * every 50 ms, on a node killed (SIGKILL) once it recorded five lines; a new node takes it up after
     * `downMs`. Returns the numbers recorded of each stream, having checked that the summaries, the log
     * `job logs` reads and the stdout and stderr files agree on them.
     */
    async function resumeAfterCrash(
      dir: string,
      options: { lines: number; downMs: number; longRunning: boolean },
    ): Promise<{ stdout: number[]; stderr: number[] }> {
      const id = `${runID}-resume-${++executions}`;
      const req = await newRequest(dir, {
        ...sh(
          `i=1; while [ $i -le ${options.lines} ]; do echo "line $i"; echo "err $i" >&2; i=$((i+1)); sleep 0.05; done`,
        ),
        longRunning: options.longRunning,
      });
      const stdoutFile = join(req.resultsDir, 'stdout');
      await crashAfterStarting(dir, id, [req], () => fileContains(stdoutFile, 'line 5\n'));
      await new Promise((resolve) => setTimeout(resolve, options.downMs));
      const restarted = await newExecutor({ id });
      const result = await run(restarted, req);

      const stdout = await readFile(stdoutFile, 'utf8');
      const stderr = await readFile(join(req.resultsDir, 'stderr'), 'utf8');
      const numbers = (text: string, prefix: string): number[] => {
        const found = text.match(new RegExp(`^${prefix} \\d+$`, 'gm')) ?? [];
        const numbers = found.map((line) => Number(line.slice(prefix.length + 1)));
        expect(text).toBe(numbers.map((n) => `${prefix} ${n}\n`).join(''));
        return numbers;
      };
      expect(result).toMatchObject({ ErrorMsg: '', ExitCode: 0, Stdout: stdout, stderr });
      const log = (await logText(restarted, req)).split('\n');
      expect(log.filter((line) => line.startsWith('line ')).join('\n')).toBe(stdout.trimEnd());
      expect(log.filter((line) => line.startsWith('err ')).join('\n')).toBe(stderr.trimEnd());
      return { stdout: numbers(stdout, 'line'), stderr: numbers(stderr, 'err') };
    }
    const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

    it("recovers what a long-running task wrote while the node was down from the daemon's log, each line once", () =>
      withTempDir(async (dir) => {
        const all = oneToN(60);
        const recorded = await resumeAfterCrash(dir, { lines: 60, downMs: 500, longRunning: true });
        expect(recorded).toEqual({ stdout: all, stderr: all });
      }));

    it('recovers the whole output of a long-running task that ended while the node was down', () =>
      withTempDir(async (dir) => {
        const all = oneToN(20);
        const recorded = await resumeAfterCrash(dir, { lines: 20, downMs: 2000, longRunning: true });
        expect(recorded).toEqual({ stdout: all, stderr: all });
      }));

    it('continues the output of a task without a daemon log after a re-attach; what it wrote meanwhile is lost', () =>
      withTempDir(async (dir) => {
        const numbers = (await resumeAfterCrash(dir, { lines: 60, downMs: 500, longRunning: false })).stdout;
        // what the killed node recorded is kept, then what came after the re-attach: each line once, in order
        expect(numbers.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
        expect(numbers.at(-1)).toBe(60);
        expect(numbers.every((n, i) => i === 0 || n > (numbers[i - 1] ?? n))).toBe(true);
        expect(numbers.length).toBeLessThan(60);
      }));

    it('starts a fresh execution from empty files, whatever an earlier attempt with its ID left there', () =>
      withTempDir(async (dir) => {
        const req = await newRequest(dir, sh('echo new'));
        await writeFile(join(req.resultsDir, 'stdout'), 'old\n');
        // one stdout frame in Docker's multiplexed format, as the log file holds it
        const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 4]), Buffer.from('old\n')]);
        await writeFile(join(req.logsDir, LogFileName), frame);
        expect(await run(executor, req)).toMatchObject({ Stdout: 'new\n' });
        expect(await readFile(join(req.resultsDir, 'stdout'), 'utf8')).toBe('new\n');
        expect(await logText(executor, req)).toBe('new\n');
      }));
  });

  describe('network', () => {
    const interfaces = (result: { Stdout: string }) => result.Stdout.trim().split(/\s+/).sort();
    const listInterfaces = sh('ls /sys/class/net');

    it('gives Network.Type None only loopback', () =>
      withTempDir(async (dir) => {
        const result = await run(
          executor,
          await newRequest(dir, { ...listInterfaces, network: { Type: 'None' } }),
        );
        expect(interfaces(result)).toEqual(['lo']);
      }));

    it("gives Network.Type Host the host's network", () =>
      withTempDir(async (dir) => {
        const result = await run(
          executor,
          await newRequest(dir, { ...listInterfaces, network: { Type: 'Host' } }),
        );
        expect(interfaces(result)).toEqual((await readdir('/sys/class/net')).sort());
      }));

    it('refuses Network.Type Bridge when the daemon has no bridge network', async () => {
      const err = await rejection(executor.resolveNetwork({ Type: 'Bridge' }));
      expect(err.code).toBe(ErrorCode.ConfigurationError);
      expect(err.message).toBe('Network.Type Bridge: the Docker daemon on this node has no bridge network');
      expect(err.hint).toContain('Task.Network.Type');
    });

    it('resolves Network.Type Default to no network when there is no bridge, and says so', () =>
      withTempDir(async (dir) => {
        const resolution = await executor.resolveNetwork({ Type: 'Default' });
        expect(resolution).toEqual({
          mode: 'none',
          description:
            'Network.Type Default: the Docker daemon on this node has no bridge network, so the task has no network, only loopback',
        });
        const result = await run(
          executor,
          await newRequest(dir, { ...listInterfaces, network: { Type: 'Default' } }),
        );
        expect(interfaces(result)).toEqual(['lo']);
      }));

    describe('HTTP', () => {
      it('lets the task reach Network.Domains through the proxy, and nothing else', () =>
        withTempDir(async (dir) => {
          const req = await newRequest(dir, {
            ...sh(
              [
                'echo "proxy $HTTP_PROXY"',
                `wget -q -O - http://localhost:${port}/allowed`,
                `wget -q -O - http://127.0.0.1:${port}/denied || echo denied refused`,
                `wget -q -Y off -T 2 -O - http://127.0.0.1:${port}/direct || echo direct failed`,
              ].join('; '),
            ),
            network: { Type: 'HTTP', Domains: ['localhost'] },
          });
          expect((await executor.resolveNetwork(req.network)).mode).toBe('http');
          const result = await run(executor, req);
          expect(result.Stdout).toBe(
            'proxy http://127.0.0.1:8080\nhello from the host\ndenied refused\ndirect failed\n',
          );
          expect(result.stderr).toContain('403');
          expect(requested.filter((path) => path !== '/after-restart')).toEqual(['/allowed']);
          expect(jobIDs.get('/allowed')).toBe(req.jobID);
          await noContainersLeft(executor);
        }));

      it("keeps the node's own addresses from the task by default, even through an allowed name", () =>
        withTempDir(async (dir) => {
          const guarded = await newExecutor({ allowNodeLocalEgress: false });
          const req = await newRequest(dir, {
            ...sh(`wget -q -O - http://localhost:${port}/own-node 2>&1 || echo refused`),
            network: { Type: 'HTTP', Domains: ['localhost'] },
          });
          const result = await run(guarded, req);
          expect(result.Stdout).toMatch(/403 Forbidden[^]*refused\n$/);
          expect(requested).not.toContain('/own-node');
          await noContainersLeft(guarded);
        }));
    });
  });

  describe('installation', () => {
    it('is not installed when DOCKER_HOST points at no daemon', async () => {
      const saved = process.env['DOCKER_HOST'];
      process.env['DOCKER_HOST'] = 'unix:///nonexistent/docker.sock';
      try {
        const nowhere = await newExecutor();
        expect(await nowhere.isInstalled()).toBe(false);
      } finally {
        if (saved === undefined) delete process.env['DOCKER_HOST'];
        else process.env['DOCKER_HOST'] = saved;
      }
    });
  });

  /**
   * Starts `requests` on an executor with ID `executorID` in a separate node process, then (once
   * `recorded` resolved, if given) kills that process with SIGKILL: a compute node that stopped
   * abruptly, leaving its containers running.
   */
  async function crashAfterStarting(
    dir: string,
    executorID: string,
    requests: RunCommandRequest[],
    recorded?: () => Promise<void>,
  ): Promise<void> {
    const script = join(dir, 'node.mts');
    const module = pathToFileURL(join(REPO_ROOT, 'src/executor/docker/executor.ts')).href;
    await writeFile(
      script,
      `import { DockerExecutor } from ${JSON.stringify(module)};
const executor = await DockerExecutor.create({ id: process.argv[2], instanceID: process.argv[3] });
for (const request of JSON.parse(process.argv[4])) await executor.start(request);
process.stdout.write('started\\n');
setInterval(() => undefined, 60_000);
`,
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, executorID, instanceID, JSON.stringify(requests)],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = once(child, 'exit');
    let started = false;
    for await (const chunk of child.stdout) if ((started = String(chunk).includes('started'))) break;
    // its error went to the test's stderr
    if (!started) throw new Error('the node process ended before it started its executions');
    await recorded?.();
    child.kill('SIGKILL');
    await exited;
  }

  /** Resolves once the file exists and contains `text`. */
  async function fileContains(path: string, text: string): Promise<void> {
    while (!(await readFile(path, 'utf8').catch(() => '')).includes(text)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The execution's log (what `job logs` shows), both streams as one text. */
  async function logText(executor: DockerExecutor, req: RunCommandRequest): Promise<string> {
    let text = '';
    for await (const chunk of executor.getLogStream(req.executionID))
      text += Buffer.from(chunk.data).toString();
    return text;
  }

  /**
   * The Engine API calls (`METHOD /path`, container IDs as `{id}`) answered while `during` ran, and
   * then until one is `last` (a container's removal comes after the run's result).
   */
  async function daemonCalls(during: () => Promise<unknown>, last?: string): Promise<string[]> {
    const calls: string[] = [];
    const stop = onDaemonCall(docker, (call) => calls.push(call));
    try {
      await during();
      if (last !== undefined) await expect.poll(() => calls.includes(last), { timeout: 5000 }).toBe(true);
    } finally {
      stop();
    }
    return calls;
  }

  /** Waits until `executor` has no container left: removals finish after the results. */
  async function noContainersLeft(executor: DockerExecutor): Promise<void> {
    await expect.poll(() => executor.listContainers(), { timeout: 5000 }).toEqual([]);
  }

  /** The pids cgroup folder of a host process (cgroup v1 `pids` controller, or the v2 unified tree). */
  async function pidsCgroup(pid: number): Promise<string> {
    const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n');
    const v1 = lines
      .map((l) => l.split(':'))
      .find(([, controllers]) => controllers?.split(',').includes('pids'));
    if (v1 !== undefined) return join('/sys/fs/cgroup/pids', v1[2] ?? '');
    return join('/sys/fs/cgroup', lines.find((l) => l.startsWith('0::'))?.slice(3) ?? '');
  }
});
