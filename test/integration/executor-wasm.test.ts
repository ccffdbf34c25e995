// The WASM executor against the real compiled fixture modules (test/fixtures/wasm): the executor
// contract, then what only WASM has (modules, entrypoints, memory limits, read-only inputs, runaways,
// the pool of pre-started workers).
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BacalhauError, ErrorCode } from '../../src/models/bacerrors.js';
import { runExecutorContract, type ContractTask } from '../../src/executor/executor.contract.js';
import { claimLocalInputs } from '../../src/executor/local-inputs-in-use.js';
import { withLocalWritesHeld } from '../../src/executor/local-write-gate.js';
import { makeRequest, withTempDir } from '../../src/executor/testing.js';
import type { PreparedVolume, RunCommandRequest } from '../../src/executor/types.js';
import { WasmExecutor, type WasmExecutorOptions } from '../../src/executor/wasm/executor.js';
import { closeFdsLeftIn } from '../../src/executor/wasm/left-fds.js';
import { describeWithEnv, wasmEnv } from '../helpers/test-env.js';

describeWithEnv('wasm executor', wasmEnv(), (wasm) => {
  /** The fixture `name` as an input at /app/<name>.wasm, and the engine running it with `args`. */
  const moduleInput = (name: string): PreparedVolume => ({
    source: join(wasm.dir, `${name}.wasm`),
    target: `/app/${name}.wasm`,
    readOnly: true,
  });
  const task = (name: string, params: Record<string, unknown> = {}): ContractTask => ({
    engine: { Type: 'wasm', Params: { EntryModule: `/app/${name}.wasm`, ...params } },
    inputs: [moduleInput(name)],
  });
  const withArgs = (name: string, ...args: string[]): ContractTask => task(name, { Parameters: args });

  /** Waits for the file inputs' folders to go: they are removed after the task's result. */
  const inputFoldersRemoved = (scratchDir: string): Promise<void> =>
    vi.waitFor(async () =>
      expect((await readdir(scratchDir)).filter((name) => name.startsWith('wasm-file-inputs'))).toEqual([]),
    );

  /** Waits for the execution's timeout, then for its stop: `wait` tells of the timeout before that. */
  async function timedOut(executor: WasmExecutor, executionID: string): Promise<void> {
    await expect(executor.wait(executionID)).rejects.toMatchObject({ code: ErrorCode.TimeOut });
    await executor.cancel(executionID);
  }

  /** Executors of the current test; stopped after it, so no worker thread outlives it. */
  const executors: WasmExecutor[] = [];
  const newExecutor = (options: WasmExecutorOptions = {}): WasmExecutor => {
    const executor = new WasmExecutor(options);
    executors.push(executor);
    return executor;
  };
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((e) => e.stop()));
  });

  runExecutorContract('wasm', {
    create: () => Promise.resolve(newExecutor()),
    dispose: (executor) => (executor as WasmExecutor).stop(),
    print: (stdout, stderr) => withArgs('echo', stdout, stderr),
    interleave: (lines) => withArgs('stderr', String(lines)),
    exit: (code) => withArgs('exit_code', String(code)),
    sleep: (ms) => withArgs('sleep', String(ms)),
    writeOutput: (output, file, content) => withArgs('write_file', `${output.Path}/${file}`, content),
    catInput: (path) => withArgs('cat', path),
    printEnv: () => task('env'),
    // the most line pairs stderr.wasm takes: it runs until stopped
    flood: () => withArgs('stderr', '2147483647'),
  });

  /** Runs `t` to its result (start errors propagate), with `extra` request fields. */
  async function run(
    dir: string,
    t: ContractTask,
    extra: Partial<RunCommandRequest> = {},
    executor = newExecutor(),
  ) {
    const req = await makeRequest(dir, `e-wasm-${++runs}`, {
      engine: t.engine,
      ...extra,
      inputs: [...(t.inputs ?? []), ...(extra.inputs ?? [])],
    });
    await executor.start(req);
    return { req, result: await executor.wait(req.executionID) };
  }

  let runs = 0;

  async function startError(dir: string, t: ContractTask, extra: Partial<RunCommandRequest> = {}) {
    const err: unknown = await run(dir, t, extra).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BacalhauError);
    return err as BacalhauError;
  }

  describe('modules', () => {
    it('runs hello.wasm', () =>
      withTempDir(async (dir) => {
        const { result } = await run(dir, task('hello'));
        expect(result).toMatchObject({ Stdout: 'Hello, world!\n', ExitCode: 0, ErrorMsg: '' });
      }));

    /** hello.wasm saved as `name` in a folder of its own, and that folder as the input at /app. */
    async function helloInFolder(dir: string, name: string) {
      const folder = join(dir, 'module');
      await mkdir(folder);
      await writeFile(join(folder, name), await readFile(join(wasm.dir, 'hello.wasm')));
      return { folder, inputs: [{ source: folder, target: '/app', readOnly: true }] };
    }

    it('finds the module when EntryModule names a folder holding one .wasm file', () =>
      withTempDir(async (dir) => {
        const { inputs } = await helloInFolder(dir, 'main.wasm');
        const { result } = await run(dir, {
          engine: { Type: 'wasm', Params: { entrymodule: '/app' } },
          inputs,
        });
        expect(result.Stdout).toBe('Hello, world!\n');
      }));

    it('takes the only file of a folder whatever its name (wasm run ./main uploads it so)', () =>
      withTempDir(async (dir) => {
        const { folder, inputs } = await helloInFolder(dir, 'hello.WASM');
        const task = { engine: { Type: 'wasm', Params: { EntryModule: '/app' } }, inputs };
        const { result } = await run(dir, task);
        expect(result.Stdout).toBe('Hello, world!\n');
        await writeFile(join(folder, 'notes.txt'), 'two files, neither .wasm');
        const err = await startError(dir, task);
        expect(err.message).toContain('the folder holds 0 .wasm files, not one');
      }));

    it('refuses a missing EntryModule param', () =>
      withTempDir(async (dir) => {
        const err = await startError(dir, { engine: { Type: 'wasm', Params: {} } });
        expect(err.code).toBe(ErrorCode.ExecutorSpecValidationErr);
        expect(err.message).toContain('EntryModule');
      }));

    it('refuses an EntryModule that no input provides', () =>
      withTempDir(async (dir) => {
        const err = await startError(dir, {
          engine: { Type: 'wasm', Params: { EntryModule: '/nowhere.wasm' } },
        });
        expect(err.code).toBe(ErrorCode.ModuleNotFound);
        expect(err.message).toContain('EntryModule');
        expect(err.hint).toContain('InputSources');
      }));

    it('refuses a file that is not a WebAssembly module', () =>
      withTempDir(async (dir) => {
        const bogus = join(dir, 'bogus.wasm');
        await writeFile(bogus, 'this is not wasm');
        const err = await startError(dir, {
          engine: { Type: 'wasm', Params: { EntryModule: '/app/bogus.wasm' } },
          inputs: [{ source: bogus, target: '/app/bogus.wasm', readOnly: true }],
        });
        expect(err.code).toBe(ErrorCode.ModuleCompileError);
        expect(err.message).toContain('not a valid WebAssembly module');
      }));

    it('refuses an entrypoint the module does not export', () =>
      withTempDir(async (dir) => {
        const err = await startError(dir, task('hello', { Entrypoint: 'main_not_here' }));
        expect(err.code).toBe(ErrorCode.EntrypointError);
        expect(err.message).toContain("unable to find the entrypoint 'main_not_here'");
      }));

    it('refuses an import from a module that is not provided', () =>
      withTempDir(async (dir) => {
        const err = await startError(dir, task('hello', { ImportModules: ['/app/missing.wasm'] }));
        expect(err.code).toBe(ErrorCode.ModuleNotFound);
        expect(err.message).toContain('ImportModules');
      }));

    it('refuses imports their module does not provide before the task runs, naming them', () =>
      withTempDir(async (dir) => {
        const wasi = await startError(dir, task('unknown_imports'));
        expect(wasi.code).toBe(ErrorCode.ModuleLoadError);
        expect(wasi.message).toBe(
          'EntryModule: failed to load module at "/app/unknown_imports.wasm": it imports function "no_such_fn" ' +
            'from "wasi_snapshot_preview1", but WASI preview1 has no such function',
        );
        const main = task('say_missing', { ImportModules: ['/app/say_lib.wasm'] });
        const lib = await startError(dir, { ...main, inputs: [...main.inputs!, moduleInput('say_lib')] });
        expect(lib.message).toContain(
          'it imports function "shout" from "/app/say_lib.wasm", but it exports nothing by that name',
        );
      }));

    it('runs each ImportModules module with its own memory for WASI calls', () =>
      withTempDir(async (dir) => {
        const main = task('say_main', { ImportModules: ['/app/say_lib.wasm'] });
        const { result } = await run(dir, { ...main, inputs: [...main.inputs!, moduleInput('say_lib')] });
        expect(result).toMatchObject({ Stdout: 'from lib\nfrom main\n', ExitCode: 0, ErrorMsg: '' });
      }));

    it('runs WASI calls of a module on the memory it imports from another module', () =>
      withTempDir(async (dir) => {
        const main = task('say_shared', { ImportModules: ['/app/say_lib.wasm'] });
        const { result } = await run(dir, { ...main, inputs: [...main.inputs!, moduleInput('say_lib')] });
        expect(result).toMatchObject({ Stdout: 'shared\n', ExitCode: 0, ErrorMsg: '' });
      }));

    it("runs a module's start function with WASI working, before the entrypoint, as wazero does", () =>
      withTempDir(async (dir) => {
        const { result } = await run(dir, task('start_section'));
        expect(result).toMatchObject({ Stdout: 'from start\nfrom _start\n', ExitCode: 0, ErrorMsg: '' });
      }));

    it('runs a module with no imports at all, through a custom entrypoint', () =>
      withTempDir(async (dir) => {
        const { result } = await run(dir, task('noop'));
        expect(result).toMatchObject({ ExitCode: 0, ErrorMsg: '' });
      }));

    /** A task whose module is `bytes`, written into `dir`. */
    async function inlineModule(dir: string, bytes: number[]): Promise<ContractTask> {
      const file = join(dir, 'inline.wasm');
      await writeFile(file, Uint8Array.from(bytes));
      return {
        engine: { Type: 'wasm', Params: { EntryModule: '/app/inline.wasm' } },
        inputs: [{ source: file, target: '/app/inline.wasm', readOnly: true }],
      };
    }

    it.each<[string, number[], { ExitCode: number; ErrorMsg: string }]>([
      [
        // (module (func (export "_start")))
        'runs a module that exports no memory (it makes no WASI call), as Go does',
        [
          0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
          0x01, 0x00, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x04,
          0x01, 0x02, 0x00, 0x0b,
        ],
        { ExitCode: 0, ErrorMsg: '' },
      ],
      [
        // (module (func (export "_start") (param i32 i32)))
        "refuses to call an entrypoint that takes parameters, with wazero's error, as Go does",
        [
          0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00,
          0x03, 0x02, 0x01, 0x00, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00,
          0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
        ],
        { ExitCode: 1, ErrorMsg: 'expected 2 params, but passed 0' },
      ],
      [
        // (module (table 1 funcref) (func (export "_start")
        //   (if (i32.ne (table.grow 0 (ref.null func) (i32.const 9999999)) (i32.const -1)) (then unreachable))))
        // 48 such grows took 7.4 GB of the node's heap, and V8 then aborted the node; capped, the grow
        // returns -1 and the module does not trap
        "caps a module's tables, which live on the node's heap: a table.grow of 10M entries fails inside the task",
        [
          0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
          0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61,
          0x72, 0x74, 0x00, 0x00, 0x0a, 0x15, 0x01, 0x13, 0x00, 0xd0, 0x70, 0x41, 0xff, 0xac, 0xe2, 0x04,
          0xfc, 0x0f, 0x00, 0x41, 0x7f, 0x47, 0x04, 0x40, 0x00, 0x0b, 0x0b,
        ],
        { ExitCode: 0, ErrorMsg: '' },
      ],
    ])('%s', (_name, bytes, expected) =>
      withTempDir(async (dir) => {
        const { result } = await run(dir, await inlineModule(dir, bytes));
        expect(result).toMatchObject(expected);
      }),
    );

    it('reports why a module could not be instantiated, and the worker runs the next task', () =>
      withTempDir(async (dir) => {
        // (module (memory (export "memory") 1) (data (i32.const 70000) "x") (func (export "_start"))):
        // it compiles and links, and its data does not fit in its memory
        const bytes = [
          0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
          0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72,
          0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02,
          0x00, 0x0b, 0x0b, 0x09, 0x01, 0x00, 0x41, 0xf0, 0xa2, 0x04, 0x0b, 0x01, 0x78,
        ];
        const executor = newExecutor({ spareWorkers: 0 });
        const { result } = await run(dir, await inlineModule(dir, bytes), {}, executor);
        expect(result.ExitCode).toBe(1);
        expect(result.ErrorMsg).toContain('data segment is out of bounds');
        const next = await run(dir, task('hello'), {}, executor);
        expect(next.result.Stdout).toBe('Hello, world!\n');
      }));

    it('lets a start refused for bad params be retried under the same ID', () =>
      withTempDir(async (dir) => {
        const executor = newExecutor();
        const bad = await makeRequest(dir, 'e-retry', { engine: { Type: 'wasm', Params: {} } });
        await expect(executor.start(bad)).rejects.toBeInstanceOf(BacalhauError);
        const good = { ...bad, ...task('hello') };
        await executor.start(good);
        expect((await executor.wait('e-retry')).Stdout).toBe('Hello, world!\n');
      }));
  });

  describe('limits', () => {
    it('caps the module memory at Resources.Memory: allocations past it fail inside the task', () =>
      withTempDir(async (dir) => {
        const memory = 16 * 1024 * 1024;
        const { result } = await run(dir, withArgs('alloc', '64'), {
          resources: { CPU: 0, Memory: memory, Disk: 0, GPU: 0 },
        });
        expect(result.ExitCode).toBe(1);
        expect(result.stderr).toMatch(/^allocation failed after 1[0-5] MiB\n$/);
      }));

    it('lets the same allocation succeed without a memory limit', () =>
      withTempDir(async (dir) => {
        const { result } = await run(dir, withArgs('alloc', '64'));
        expect(result).toMatchObject({ Stdout: 'allocated 64 MiB\n', ExitCode: 0 });
      }));

    it('refuses a memory limit above 4 GiB, as Bacalhau does', () =>
      withTempDir(async (dir) => {
        const err = await startError(dir, task('hello'), {
          resources: { CPU: 0, Memory: 5 * 1024 ** 3, Disk: 0, GPU: 0 },
        });
        expect(err.code).toBe(ErrorCode.MemoryLimitError);
        expect(err.message).toBe('requested memory exceeds the wasm limit - 5.00 GB > 4.00 GB');
      }));

    it('refuses a memory limit below what the module needs at start', () =>
      withTempDir(async (dir) => {
        const err = await startError(dir, task('hello'), {
          resources: { CPU: 0, Memory: 1, Disk: 0, GPU: 0 },
        });
        expect(err.code).toBe(ErrorCode.MemoryLimitError);
      }));

    it('stops a module spinning in a loop at its timeout', () =>
      withTempDir(async (dir) => {
        const executor = newExecutor();
        const req = await makeRequest(dir, 'e-spin', { ...task('spin'), timeoutMs: 200 });
        await executor.start(req);
        await timedOut(executor, 'e-spin');
      }));

    it('cancels a spinning module', () =>
      withTempDir(async (dir) => {
        const executor = newExecutor();
        const req = await makeRequest(dir, 'e-spin-cancel', task('spin'));
        await executor.start(req);
        await executor.cancel('e-spin-cancel');
        await expect(executor.wait('e-spin-cancel')).rejects.toMatchObject({
          code: ErrorCode.ExecutionAlreadyCancelled,
        });
      }));

    it('keeps memory bounded for a task writing far more than the output limits', () =>
      withTempDir(async (dir) => {
        const big = join(dir, 'big');
        await writeFile(big, Buffer.alloc(64 * 1024 * 1024, 'a'));
        const before = process.memoryUsage().rss;
        const { req, result } = await run(dir, withArgs('cat', '/data/big'), {
          inputs: [{ source: big, target: '/data/big', readOnly: true }],
          outputLimits: {
            maxStdoutFileLength: 1024 * 1024,
            maxStdoutReturnLength: 2048,
            maxStderrFileLength: 1024,
            maxStderrReturnLength: 2048,
          },
        });
        expect(result).toMatchObject({ ExitCode: 0, StdoutTruncated: true });
        expect((await readFile(join(req.resultsDir, 'stdout'))).length).toBe(1024 * 1024);
        expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
      }));

    it('stops a task writing without pause past its output caps at its timeout (the node keeps serving)', () =>
      withTempDir(async (dir) => {
        const executor = newExecutor();
        const tiny = { maxStdoutFileLength: 10, maxStdoutReturnLength: 10, maxStderrFileLength: 10 };
        const req = await makeRequest(dir, 'e-flood-capped', {
          ...withArgs('stderr', '2147483647'),
          timeoutMs: 200,
          outputLimits: { ...tiny, maxStderrReturnLength: 10 },
        });
        await executor.start(req);
        await timedOut(executor, 'e-flood-capped');
        expect(await readFile(join(req.resultsDir, 'stdout'), 'utf8')).toBe('stdout 1\ns');
      }));

    it('answers a write from outside the module memory with EFAULT, as wazero does, and writes nothing', () =>
      withTempDir(async (dir) => {
        const { result } = await run(dir, task('bad_write'));
        expect(result).toMatchObject({ ExitCode: 21, Stdout: '', ErrorMsg: '' });
      }));
  });

  describe('worker pool', () => {
    // one spare: every execution after the first runs in a worker started before it was asked for
    const pooled = () => newExecutor({ spareWorkers: 1 });

    it('runs each execution with nothing of those before it in the pool: env and files do not carry over', () =>
      withTempDir(async (dir) => {
        const executor = pooled();
        const data = join(dir, 'data');
        await mkdir(data);
        await writeFile(join(data, 'secret.txt'), 'from A');
        const inputs = [{ source: data, target: '/data', readOnly: false }];
        const a = await run(dir, task('env'), { env: { SECRET: 'a' }, inputs }, executor);
        expect(a.result.Stdout).toBe('SECRET=a\n');
        const readByA = await run(dir, withArgs('cat', '/data/secret.txt'), { inputs }, executor);
        expect(readByA.result.Stdout).toBe('from A');

        const b = await run(dir, task('env'), { env: { OTHER: 'b' } }, executor);
        expect(b.result.Stdout).toBe('OTHER=b\n');
        const readByB = await run(dir, withArgs('cat', '/data/secret.txt'), {}, executor);
        expect(readByB.result).toMatchObject({ Stdout: '', ExitCode: 1 });
      }));

    it("applies each execution's own memory limit, whatever ran in the pool before", () =>
      withTempDir(async (dir) => {
        const executor = pooled();
        const limited = { resources: { CPU: 0, Memory: 16 * 1024 * 1024, Disk: 0, GPU: 0 } };
        const free = await run(dir, withArgs('alloc', '64'), {}, executor);
        expect(free.result).toMatchObject({ Stdout: 'allocated 64 MiB\n', ExitCode: 0 });
        const capped = await run(dir, withArgs('alloc', '64'), limited, executor);
        expect(capped.result.ExitCode).toBe(1);
        expect(capped.result.stderr).toMatch(/^allocation failed after 1[0-5] MiB\n$/);
        const freeAgain = await run(dir, withArgs('alloc', '64'), {}, executor);
        expect(freeAgain.result).toMatchObject({ Stdout: 'allocated 64 MiB\n', ExitCode: 0 });
      }));

    it('runs the next execution normally after one was stopped at its timeout', () =>
      withTempDir(async (dir) => {
        const executor = pooled();
        const spin = await makeRequest(dir, 'e-pool-spin', { ...task('spin'), timeoutMs: 200 });
        await executor.start(spin);
        await timedOut(executor, spin.executionID);
        const { result } = await run(dir, task('hello'), {}, executor);
        expect(result).toMatchObject({ Stdout: 'Hello, world!\n', ExitCode: 0 });
      }));

    it('keeps concurrent executions apart when there are more of them than spares', () =>
      withTempDir(async (dir) => {
        const executor = pooled();
        const results = await Promise.all(
          ['one', 'two', 'three'].map((word) =>
            run(join(dir, word), withArgs('echo', word, ''), {}, executor).then((r) => r.result.Stdout),
          ),
        );
        expect(results).toEqual(['one', 'two', 'three']);
      }));

    it('stops: cancels what runs and refuses later starts', () =>
      withTempDir(async (dir) => {
        const executor = pooled();
        await run(dir, task('hello'), {}, executor);
        const sleeper = await makeRequest(dir, 'e-pool-sleep', withArgs('sleep', '60000'));
        await executor.start(sleeper);
        await executor.stop();
        await expect(executor.wait(sleeper.executionID)).rejects.toMatchObject({
          code: ErrorCode.ExecutionAlreadyCancelled,
        });
        const late = await makeRequest(dir, 'e-pool-late', task('hello'));
        await expect(executor.start(late)).rejects.toMatchObject({
          code: ErrorCode.ServiceUnavailable,
          retryable: true,
        });
        await executor.stop();
      }));
  });

  describe('file system', () => {
    it('refuses writes into a read-only input, and allows them into a writable one', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        const readOnly = await run(dir, withArgs('write_file', '/data/new.txt', 'x'), {
          inputs: [{ source: data, target: '/data', readOnly: true }],
        });
        expect(readOnly.result.ExitCode).toBe(1);
        expect(readOnly.result.stderr).toContain('Read-only file system');
        const writable = await run(join(dir, 'rw'), withArgs('write_file', '/data/new.txt', 'x'), {
          inputs: [{ source: data, target: '/data', readOnly: false }],
        });
        expect(writable.result.ExitCode).toBe(0);
        expect(await readFile(join(data, 'new.txt'), 'utf8')).toBe('x');
      }));

    it("refuses a local input that overlaps a running Docker task's writable one", () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        // as a running Docker task with `dir` as a writable input holds it
        const writer = claimLocalInputs('docker', [{ path: dir, writable: true }]);
        if ('conflict' in writer) throw new Error(writer.conflict);
        try {
          const err = await startError(join(dir, 'run'), withArgs('cat', '/data/x'), {
            inputs: [{ source: data, target: '/data', readOnly: true }],
          });
          expect(err.code).toBe(ErrorCode.InputConfigError);
          expect(err.message).toContain(
            `the local input ${JSON.stringify(data)} of a WASM task and the writable`,
          );
        } finally {
          writer.release();
        }
        // once it ended, the task runs
        const { result } = await run(join(dir, 'again'), withArgs('cat', '/data/x'), {
          inputs: [{ source: data, target: '/data', readOnly: true }],
        });
        expect(result.stderr).toContain('No such file');
      }));

    it("holds a task's changes to names in its folders while a container with local inputs starts", () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        await writeFile(join(data, 'file.txt'), 'x');
        let release = (): void => undefined;
        const held = withLocalWritesHeld(() => new Promise<void>((resolve) => (release = resolve)));
        const executor = newExecutor();
        const link = withArgs('symlink', 'file.txt', '/data/l');
        const req = await makeRequest(join(dir, 'run'), 'e-gated', {
          engine: link.engine,
          inputs: [...(link.inputs ?? []), { source: data, target: '/data', readOnly: false }],
        });
        await executor.start(req);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await readdir(data)).toEqual(['file.txt']);
        release();
        await held;
        expect((await executor.wait(req.executionID)).Stdout).toBe('linked /data/l\n');
        expect(await readlink(join(data, 'l'))).toBe('file.txt');
      }));

    it('refuses another name for a link another task made that points upwards or to an absolute path', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        const executor = newExecutor();
        for (const [target, exitCode] of [
          ['/etc/passwd', 76], // ENOTCAPABLE
          ['../outside', 76],
          ['file.txt', 0],
        ] as const) {
          await rm(join(data, 'l'), { force: true });
          await rm(join(data, 'hl'), { force: true });
          await symlink(target, join(data, 'l'));
          const req = await makeRequest(
            join(dir, `run-${exitCode}-${target.length}`),
            `e-hard-link-${target.length}`,
            {
              ...task('hard_link'),
              inputs: [...task('hard_link').inputs!, { source: data, target: '/data', readOnly: false }],
            },
          );
          await executor.start(req);
          expect((await executor.wait(req.executionID)).ExitCode).toBe(exitCode);
          expect((await readdir(data)).includes('hl')).toBe(exitCode === 0);
        }
      }));

    it('is not held up for good by a task killed in the middle of a call that changes names', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        const executor = newExecutor();
        // each killed most likely inside such a call (they are most of its time), which it never leaves
        for (let i = 0; i < 3; i++) {
          const req = await makeRequest(join(dir, `run-${i}`), `e-gate-killed-${i}`, {
            ...task('mkdir_spin'),
            inputs: [...task('mkdir_spin').inputs!, { source: data, target: '/data', readOnly: false }],
            timeoutMs: 300,
          });
          await executor.start(req);
          await timedOut(executor, req.executionID);
        }
        const held = withLocalWritesHeld(() => Promise.resolve('held'));
        const stuck = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5000));
        expect(await Promise.race([held, stuck])).toBe('held');
      }));

    it('refuses a local input whose path was made to lead elsewhere after it was checked', () =>
      withTempDir(async (dir) => {
        const [work, secret] = [join(dir, 'shared', 'work'), join(dir, 'secret')];
        await mkdir(work, { recursive: true });
        await mkdir(secret);
        // checked (and resolved) by the local storage, then swapped for a link by a task that can write
        // to the folder around it
        const checked = await realpath(work);
        await rename(work, join(dir, 'shared', 'old'));
        await symlink(secret, work);
        const err = await startError(join(dir, 'run'), withArgs('cat', '/work/key'), {
          inputs: [{ source: checked, target: '/work', readOnly: false }],
        });
        expect(err.code).toBe(ErrorCode.InputConfigError);
        expect(err.message).toContain(
          `input source ${JSON.stringify(checked)} now leads to ${JSON.stringify(await realpath(secret))}: it changed after it was checked`,
        );
      }));

    it('writes to a writable file input, also one copied from another file system, and leaves no copies behind', () =>
      withTempDir(async (dir) => {
        const sameDisk = join(dir, 'same.txt');
        await writeFile(sameDisk, 'before');
        // tmpfs: no hard link from there into the execution's folder, so the input is copied in
        const otherDisk = await mkdtemp('/dev/shm/wasm-input-');
        try {
          const elsewhere = join(otherDisk, 'other.txt');
          await writeFile(elsewhere, 'before');
          expect((await stat(elsewhere)).dev).not.toBe((await stat(dir)).dev);
          for (const [source, target] of [
            [sameDisk, '/in/same.txt'],
            [elsewhere, '/in/other.txt'],
          ] as const) {
            const { req, result } = await run(join(dir, target), withArgs('write_file', target, 'after'), {
              inputs: [{ source, target, readOnly: false }],
            });
            expect(result.ExitCode).toBe(0);
            expect(await readFile(source, 'utf8')).toBe('after');
            await inputFoldersRemoved(req.scratchDir);
          }
        } finally {
          await rm(otherDisk, { recursive: true, force: true });
        }
      }));

    it('keeps a read-only file input read-only when a writable one shares its folder', () =>
      withTempDir(async (dir) => {
        const [readOnly, writable] = [join(dir, 'ro.txt'), join(dir, 'rw.txt')];
        await writeFile(readOnly, 'precious');
        await writeFile(writable, 'before');
        const inputs = [
          { source: readOnly, target: '/in/ro.txt', readOnly: true },
          { source: writable, target: '/in/rw.txt', readOnly: false },
        ];
        for (const path of ['/in/ro.txt', '/in/./ro.txt']) {
          const { result } = await run(join(dir, path), withArgs('write_file', path, 'overwritten'), {
            inputs,
          });
          expect(result.ExitCode).toBe(1);
          expect(result.stderr).toContain('Read-only file system');
        }
        const { result } = await run(join(dir, 'rw'), withArgs('write_file', '/in/rw.txt', 'after'), {
          inputs,
        });
        expect(result.ExitCode).toBe(0);
        expect(await readFile(writable, 'utf8')).toBe('after');
        expect(await readFile(readOnly, 'utf8')).toBe('precious');
      }));

    it("has removed a finished task's file input folder by the time its stop settles", () =>
      withTempDir(async (dir) => {
        const executor = newExecutor();
        const { req, result } = await run(join(dir, 'run'), task('hello'), {}, executor);
        expect(result).toMatchObject({ ExitCode: 0 });
        await executor.stop();
        expect((await readdir(req.scratchDir)).filter((name) => name.startsWith('wasm-file-inputs'))).toEqual(
          [],
        );
      }));

    it('removes a file input folder the task added a file to', () =>
      withTempDir(async (dir) => {
        const source = join(dir, 'same.txt');
        await writeFile(source, 'before');
        const { req, result } = await run(join(dir, 'run'), withArgs('write_file', '/in/extra.txt', 'x'), {
          inputs: [{ source, target: '/in/same.txt', readOnly: false }],
        });
        expect(result).toMatchObject({ ExitCode: 0 });
        await inputFoldersRemoved(req.scratchDir);
        expect(await readFile(source, 'utf8')).toBe('before');
      }));

    describe('symbolic links', () => {
      /** `dir/data` holding `v2/file.txt`, and `dir/secret/file.txt` beside it that no task may reach. */
      async function dataBesideSecret(dir: string): Promise<{ data: string; secret: string }> {
        const [data, secret] = [join(dir, 'data'), join(dir, 'secret')];
        await mkdir(join(data, 'v2'), { recursive: true });
        await mkdir(secret);
        await writeFile(join(data, 'v2', 'file.txt'), 'inside\n');
        await writeFile(join(secret, 'file.txt'), 'host secret\n');
        return { data, secret };
      }

      /** Runs `t` with `dir/data` at /data, after making the links `links(secret)` (name → target) in it. */
      async function runWithLinks(
        dir: string,
        t: ContractTask,
        links: (secret: string) => Record<string, string>,
        readOnly = true,
      ) {
        const { data, secret } = await dataBesideSecret(dir);
        for (const [name, target] of Object.entries(links(secret))) await symlink(target, join(data, name));
        const { result } = await run(dir, t, { inputs: [{ source: data, target: '/data', readOnly }] });
        return { result, secret };
      }

      it('follows links that stay inside the mounted folder', () =>
        withTempDir(async (dir) => {
          const { result } = await runWithLinks(
            dir,
            withArgs('cat', '/data/current/file.txt', '/data/latest.txt'),
            () => ({ current: 'v2', 'latest.txt': 'v2/file.txt' }),
          );
          expect(result.stderr).toBe('');
          expect(result.Stdout).toBe('inside\ninside\n');
        }));

      it('mounts folders whose names are not ASCII, on the host and in the guest', () =>
        withTempDir(async (dir) => {
          const café = join(dir, 'café');
          await mkdir(café);
          await writeFile(join(café, 'menu.txt'), 'crêpes\n');
          const { result } = await run(dir, withArgs('cat', '/données/menu.txt'), {
            inputs: [{ source: café, target: '/données', readOnly: true }],
          });
          expect(result.stderr).toBe('');
          expect(result.Stdout).toBe('crêpes\n');
        }));

      it("refuses to read through a link in the operator's data that leads outside it", () =>
        withTempDir(async (dir) => {
          const { result } = await runWithLinks(
            dir,
            withArgs('cat', '/data/elsewhere/file.txt'),
            (secret) => ({
              elsewhere: secret,
            }),
          );
          expect(result.ExitCode).toBe(1);
          expect(result.Stdout).toBe('');
          expect(result.stderr).toContain('Capabilities insufficient');
        }));

      it('loads a module through a link that stays inside its input, and refuses one that leads outside', () =>
        withTempDir(async (dir) => {
          const { data, secret } = await dataBesideSecret(dir);
          await copyFile(join(wasm.dir, 'hello.wasm'), join(data, 'v2', 'hello.wasm'));
          await copyFile(join(wasm.dir, 'hello.wasm'), join(secret, 'hello.wasm'));
          await symlink('v2/hello.wasm', join(data, 'inside.wasm'));
          await symlink(join(secret, 'file.txt'), join(data, 'outside.wasm'));
          await symlink(secret, join(data, 'outside'));
          const withEntry = (entry: string): ContractTask => ({
            engine: { Type: 'wasm', Params: { EntryModule: entry } },
            inputs: [{ source: data, target: '/data', readOnly: true }],
          });
          const inside = await run(join(dir, 'inside'), withEntry('/data/inside.wasm'));
          expect(inside.result.ExitCode).toBe(0);
          for (const entry of ['/data/outside.wasm', '/data/outside', '/data/outside/hello.wasm']) {
            const err: unknown = await run(join(dir, 'runs', entry), withEntry(entry)).catch(
              (e: unknown) => e,
            );
            expect(err, entry).toBeInstanceOf(BacalhauError);
            // not the secret file's first bytes, as a compile error would show them
            expect((err as Error).message).toBe(
              `EntryModule: WASM module not found at "${entry}": a link there leads out of its input`,
            );
          }
        }));

      it('refuses to write through a link that leads outside a writable mount', () =>
        withTempDir(async (dir) => {
          const { result, secret } = await runWithLinks(
            dir,
            withArgs('write_file', '/data/elsewhere/new.txt', 'x'),
            (secret) => ({ elsewhere: secret }),
            false,
          );
          expect(result.ExitCode).toBe(1);
          expect(result.stderr).toContain('Capabilities insufficient');
          expect(await readdir(secret)).toEqual(['file.txt']);
        }));

      it('refuses a link a task makes that leads out of its mount on the host, whatever its text means in the guest', () =>
        withTempDir(async (dir) => {
          // mounted at the guest path `dir`, the link's `..`s stop at the guest's root and come back
          // down into the mount; on the host they climb to / and come down into `dir/secret`
          const { data } = await dataBesideSecret(dir);
          const mount = { source: data, target: dir, readOnly: false };
          const escape = `${'../'.repeat(dir.split('/').length + 2)}${dir.slice(1)}/secret`;
          // mounted at `/`, `../../..` stays at the guest's root and is the host's root
          const atRoot = { source: data, target: '/', readOnly: false };
          for (const [i, input, target, link] of [
            [1, mount, escape, `${dir}/link`],
            [2, atRoot, '../../../../../../..', '/root-link'],
          ] as const) {
            const made = await run(join(dir, `made-${i}`), withArgs('symlink', target, link), {
              inputs: [input],
            });
            expect(made.result.Stdout).toBe('');
            expect(made.result.stderr).toContain('Capabilities insufficient');
          }
          expect(await readdir(data)).not.toContain('link');
          expect(await readdir(data)).not.toContain('root-link');
          // one that stays inside is made
          const inside = await run(join(dir, 'inside'), withArgs('symlink', 'file.txt', '/same'), {
            inputs: [atRoot],
          });
          expect(inside.result.Stdout).toBe('linked /same\n');
          expect(await readlink(join(data, 'same'))).toBe('file.txt');
        }));
    });

    it('mounts an output at its Path and at /<Name>, as Bacalhau does', () =>
      withTempDir(async (dir) => {
        const outputs = [{ Name: 'results', Path: '/outputs' }];
        const { req, result } = await run(dir, withArgs('write_file', '/results/by-name.txt', 'n'), {
          outputs,
        });
        expect(result.ExitCode).toBe(0);
        expect(await readFile(join(req.resultsDir, 'results', 'by-name.txt'), 'utf8')).toBe('n');
      }));

    it('refuses an output whose Path is an input target', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        const err = await startError(dir, task('hello'), {
          inputs: [{ source: data, target: '/data', readOnly: true }],
          outputs: [{ Name: 'out', Path: '/data' }],
        });
        expect(err.code).toBe(ErrorCode.OutputConfigError);
      }));

    it('refuses a task whose modules would open more folders than one task may, and opens none', () =>
      withTempDir(async (dir) => {
        // each result path is mounted twice (at its Path and at /<Name>), and the module's folder: 4,099
        const outputs = Array.from({ length: 2049 }, (_, i) => ({ Name: `r${i}`, Path: `/out/${i}` }));
        const err = await startError(dir, task('hello'), { outputs });
        expect(err.code).toBe(ErrorCode.InputConfigError);
        expect(err.message).toBe(
          'input configuration error: it would open its 4099 mounted folders, more than the 4096 the WASM ' +
            'executor opens for one task',
        );
        const fds = await readdir('/proc/self/fd');
        const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
        expect(targets.filter((target) => target.startsWith(dir))).toEqual([]);
      }));

    it('passes Parameters as argv[1..] and the environment sorted by name', () =>
      withTempDir(async (dir) => {
        const { result } = await run(dir, task('env'), { env: { ZED: 'z', ALPHA: 'a' } });
        expect(result.Stdout).toBe('ALPHA=a\nZED=z\n');
      }));
  });

  describe('stdio', () => {
    it('keeps a task from closing or renumbering the stdio fds every task shares; the next tasks run', () =>
      withTempDir(async (dir) => {
        const executor = newExecutor({ spareWorkers: 1 });
        const { result } = await run(dir, task('stdio_tamper'), {}, executor);
        expect(result.Stdout).toBe('before\n');
        // renumber ENOTSUP; after its close, stdout EBADF to a write and to a second close; no pwrite ESPIPE
        expect([...Buffer.from(result.stderr, 'latin1')]).toEqual([58, 8, 8, 70]);
        for (let i = 0; i < 3; i++) {
          expect((await run(dir, task('hello'), {}, executor)).result.Stdout).toBe('Hello, world!\n');
        }
      }));

    it('refuses calls sized past what the module could mean: 2,000 buffers in a write, polls beyond its memory', () =>
      withTempDir(async (dir) => {
        const { result } = await run(dir, task('huge_calls'));
        expect([...Buffer.from(result.stderr, 'latin1')]).toEqual([28, 21, 21]);
      }));
  });

  // Bacalhau's HTTP host module (wasi:http/requests), through http_request.wasm against a server on
  // loopback: `/echo` answers the method, the X-Test header and the body; `/redirect` sends to
  // `/echo` under another name of this host.
  describe('HTTP host module', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/redirect') {
          const port = (server.address() as AddressInfo).port;
          res.writeHead(302, { Location: `http://localhost:${port}/echo` }).end();
          return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          res.writeHead(201, { 'x-reply': 'yes' });
          res.end(`${req.method} ${String(req.headers['x-test'])} ${Buffer.concat(chunks).toString()}`);
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => server.close());

    /** http_request.wasm calling `url` with `method` (Go's numbering) on `network`. */
    const call = (
      dir: string,
      network: RunCommandRequest['network'],
      method: number,
      url: string,
      body = '',
    ) =>
      run(
        dir,
        withArgs('http_request', String(method), url, ...(body === '' ? [] : [body])),
        { network },
        newExecutor({ allowNodeLocalEgress: true }),
      );

    it('makes the request and writes the response back as Bacalhau does, on a Host network', () =>
      withTempDir(async (dir) => {
        const { result } = await call(dir, { Type: 'Host' }, 1, `${base}/echo`, 'hello');
        expect(result.Stdout).toBe('result 0 status 201\nPOST yes hello');
        expect(result.stderr).toContain('X-Reply: yes');
      }));

    it('gives a task with no network set (Default) the module, as Host, as Go does', () =>
      withTempDir(async (dir) => {
        const { result } = await call(dir, { Type: 'Default' }, 0, `${base}/echo`);
        expect(result.Stdout).toBe('result 0 status 201\nGET yes ');
      }));

    it('lets an HTTP-network task reach only its Domains, also through redirects', () =>
      withTempDir(async (dir) => {
        const allowed = await call(
          join(dir, 'a'),
          { Type: 'HTTP', Domains: ['127.0.0.1'] },
          0,
          `${base}/echo`,
        );
        expect(allowed.result.Stdout).toBe('result 0 status 201\nGET yes ');
        // 4: not allowed
        const other = await call(
          join(dir, 'b'),
          { Type: 'HTTP', Domains: ['example.com'] },
          0,
          `${base}/echo`,
        );
        expect(other.result.Stdout).toBe('result 4 status 0\n');
        const redirected = await call(
          join(dir, 'c'),
          { Type: 'HTTP', Domains: ['127.0.0.1'] },
          0,
          `${base}/redirect`,
        );
        expect(redirected.result.Stdout).toBe('result 4 status 0\n');
      }));

    it("keeps an HTTP-network task from the node's own addresses by default", () =>
      withTempDir(async (dir) => {
        const req = await makeRequest(dir, 'e-http-local', {
          ...withArgs('http_request', '0', `${base}/echo`),
          network: { Type: 'HTTP', Domains: ['127.0.0.1'] },
        });
        const executor = newExecutor();
        await executor.start(req);
        expect((await executor.wait(req.executionID)).Stdout).toBe('result 4 status 0\n');
      }));

    it('is not there for a task whose network is None: refused at start, saying what to set', () =>
      withTempDir(async (dir) => {
        const err = await startError(dir, withArgs('http_request', '0', `${base}/echo`));
        expect(err.code).toBe(ErrorCode.UnknownModuleError);
        expect(err.hint).toContain('Task.Network.Type');
      }));
  });

  // A worker's end does not close the host fds behind its WASI fds (threads share the process's fd
  // table): a node running many jobs would run out of them.
  describe('host fds', () => {
    /** The process's fds open on something under `dir`. */
    const fdsUnder = async (dir: string): Promise<string[]> => {
      const targets = await Promise.all(
        (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
      );
      return targets.filter((target) => target.startsWith(dir));
    };

    it('closes the preopened folders and the files a module opened when it ends', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        const outputs = [{ Name: 'out', Path: '/out' }];
        const inputs = [{ source: data, target: '/data', readOnly: false }];
        const executor = newExecutor();
        for (let i = 0; i < 5; i++) {
          const { result } = await run(
            dir,
            withArgs('write_file', '/out/f.txt', 'x'),
            { inputs, outputs },
            executor,
          );
          expect(result.ExitCode).toBe(0);
        }
        expect(await fdsUnder(dir)).toEqual([]);
      }));

    it('lets a module keep at most 256 files open at once, then answers EMFILE; all are closed at its end', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        await writeFile(join(data, 'f'), 'x');
        const { result } = await run(dir, task('open_files'), {
          inputs: [{ source: data, target: '/data', readOnly: true }],
        });
        // how many it opened (little-endian), then the errno of the open that failed
        expect([...Buffer.from(result.Stdout, 'latin1')]).toEqual([0, 1, 0, 0, 33]);
        expect(await fdsUnder(dir)).toEqual([]);
      }));

    it('closes those in its own folders (outputs, file inputs) when a module computing in a loop is stopped', () =>
      withTempDir(async (dir) => {
        const input = join(dir, 'data.txt');
        await writeFile(input, 'x');
        const executor = newExecutor();
        for (let i = 0; i < 3; i++) {
          const req = await makeRequest(join(dir, `run-${i}`), `e-spin-fds-${i}`, {
            ...task('spin'),
            inputs: [...task('spin').inputs!, { source: input, target: '/in/data.txt', readOnly: true }],
            outputs: [{ Name: 'out', Path: '/out' }],
            timeoutMs: 300,
          });
          await executor.start(req);
          await timedOut(executor, req.executionID);
        }
        expect(await fdsUnder(dir)).toEqual([]);
      }));

    it('closes those in a folder its storage made for it alone (inline data) when a module computing in a loop is stopped', () =>
      withTempDir(async (dir) => {
        const executor = newExecutor();
        for (let i = 0; i < 3; i++) {
          // as the inline storage prepares a tar.gz: a folder inside the execution's own
          const data = join(dir, `run-${i}`, 'inline-data');
          await mkdir(data, { recursive: true });
          await writeFile(join(data, 'rows.csv'), 'a,b\n');
          const req = await makeRequest(join(dir, `run-${i}`), `e-spin-inline-${i}`, {
            ...task('spin'),
            inputs: [
              ...task('spin').inputs!,
              { source: data, target: '/data', readOnly: true, exclusive: true },
            ],
            timeoutMs: 300,
          });
          await executor.start(req);
          await timedOut(executor, req.executionID);
        }
        expect(await fdsUnder(dir)).toEqual([]);
      }));

    it('ends the run of a task stuck in a blocking call at its timeout, though its thread cannot stop', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        const fifo = join(data, 'pipe');
        execFileSync('mkfifo', [fifo]);
        const executor = newExecutor();
        // opening a FIFO that no one writes blocks the worker's thread inside the call
        const req = await makeRequest(dir, 'e-fifo', {
          ...withArgs('cat', '/data/pipe'),
          inputs: [...task('cat').inputs!, { source: data, target: '/data', readOnly: true }],
          timeoutMs: 300,
        });
        await executor.start(req);
        try {
          await timedOut(executor, req.executionID);
        } finally {
          // a writer lets the thread's open return, and the thread end
          closeSync(openSync(fifo, 'w'));
        }
      }));

    it('closes them when a sleeping module is cancelled', () =>
      withTempDir(async (dir) => {
        const executor = newExecutor();
        const req = await makeRequest(dir, 'e-sleep-fds', withArgs('sleep', '10000'));
        await executor.start(req);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await fdsUnder(dir)).not.toEqual([]);
        await executor.cancel(req.executionID);
        await executor.wait(req.executionID).catch(() => undefined);
        for (let i = 0; i < 50 && (await fdsUnder(dir)).length > 0; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(await fdsUnder(dir)).toEqual([]);
      }));

    /** Waits until nothing under `dir` is open but `kept`, for a sweep that follows a thread's exit. */
    const settledFdsUnder = async (dir: string, kept: readonly string[] = []): Promise<string[]> => {
      for (let i = 0; i < 100; i++) {
        const open = await fdsUnder(dir);
        if (open.length <= kept.length) return open;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return fdsUnder(dir);
    };

    it('closes those a stopped module left in a folder other tasks may use (a local input), once none uses it', () =>
      withTempDir(async (dir) => {
        const data = join(dir, 'data');
        await mkdir(data);
        await writeFile(join(data, 'f'), 'x');
        // the node's own file there, open before any task: it stays open
        const own = openSync(join(data, 'f'), 'r');
        try {
          const executor = newExecutor();
          const inputs = [{ source: data, target: '/data', readOnly: true }];
          const sleeper = await makeRequest(join(dir, 'sleeper'), 'e-shared-sleeper', {
            ...withArgs('sleep', '60000'),
            inputs: [...task('sleep').inputs!, ...inputs],
          });
          await executor.start(sleeper);
          for (let i = 0; i < 3; i++) {
            const req = await makeRequest(join(dir, `run-${i}`), `e-shared-spin-${i}`, {
              ...task('open_spin'),
              inputs: [...task('open_spin').inputs!, ...inputs],
              timeoutMs: 300,
            });
            await executor.start(req);
            await timedOut(executor, req.executionID);
          }
          // the sleeping task still uses the folder: what is open there is not swept under it
          expect((await fdsUnder(data)).length).toBeGreaterThan(2);
          await executor.cancel(sleeper.executionID);
          await executor.wait(sleeper.executionID).catch(() => undefined);
          expect(await settledFdsUnder(data, [join(data, 'f')])).toEqual([join(data, 'f')]);
        } finally {
          closeSync(own);
        }
      }));

    it("leaves a shared folder that holds the node's own executions alone", () =>
      withTempDir(async (dir) => {
        await writeFile(join(dir, 'f'), 'x');
        const executor = newExecutor();
        const req = await makeRequest(join(dir, 'run'), 'e-shared-node-folder', {
          ...task('open_spin'),
          inputs: [...task('open_spin').inputs!, { source: dir, target: '/data', readOnly: true }],
          timeoutMs: 300,
        });
        await executor.start(req);
        await timedOut(executor, req.executionID);
        await new Promise((resolve) => setTimeout(resolve, 300));
        // what the dead thread held there stays open: the node's own files cannot be told apart
        expect((await fdsUnder(join(dir, 'f'))).length).toBe(8);
        closeFdsLeftIn([join(dir, 'f')]);
      }));
  });
});
