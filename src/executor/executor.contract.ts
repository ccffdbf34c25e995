/**
 * The behaviour every executor must have (see types.ts), as a vitest suite each implementation runs
 * unchanged: `runExecutorContract('wasm', harness)`. The harness says how to build a fresh executor and
 * how to express, in that engine, the handful of tasks the contract needs.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { ExecutionLogType } from '../models/execution.js';
import type { ResultPath } from '../models/result-path.js';
import type { SpecConfig } from '../models/spec-config.js';
import { makeRequest } from './testing.js';
import type { Executor, LogChunk, PreparedVolume, RunCommandRequest } from './types.js';

/** A task in the executor's own terms. */
export interface ContractTask {
  engine: SpecConfig;
  /** Inputs the task needs besides those the contract gives it (a WASM module, ...). */
  inputs?: PreparedVolume[];
}

export interface ExecutorContractHarness {
  /** A fresh executor; `dispose` is called after each test. */
  create(): Promise<Executor>;
  dispose?(executor: Executor): Promise<void>;
  /** Writes `stdout` to stdout, then `stderr` to stderr, exactly, and exits 0. */
  print(stdout: string, stderr: string): ContractTask;
  /** Writes `lines` pairs `stdout <i>\n` (stdout) then `stderr <i>\n` (stderr), i from 1. */
  interleave(lines: number): ContractTask;
  exit(code: number): ContractTask;
  /** Runs `ms` milliseconds (long enough to be cancelled), printing nothing, then exits 0. */
  sleep(ms: number): ContractTask;
  /** Writes `content` into the file `name` of the output `output`, and nothing else. */
  writeOutput(output: ResultPath, name: string, content: string): ContractTask;
  /** Prints the content of the file at `path`, an absolute path inside an input's target. */
  catInput(path: string): ContractTask;
  /** Prints its environment, one `NAME=value` per line. */
  printEnv(): ContractTask;
  /** Writes to stdout without end, until it is stopped. */
  flood(): ContractTask;
}

export function runExecutorContract(name: string, harness: ExecutorContractHarness): void {
  describe(`executor contract: ${name}`, () => {
    let executor: Executor;
    let root: string;
    let counter = 0;

    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'bacalhau-ts-executor-'));
      executor = await harness.create();
    });

    afterEach(async () => {
      await harness.dispose?.(executor);
      await rm(root, { recursive: true, force: true });
    });

    /** A request for `task` with fresh folders; `extra` overrides any field, its inputs are added. */
    function request(task: ContractTask, extra: Partial<RunCommandRequest> = {}): Promise<RunCommandRequest> {
      const { inputs = [], ...rest } = extra;
      return makeRequest(root, `e-contract-${++counter}`, {
        engine: task.engine,
        ...rest,
        inputs: [...(task.inputs ?? []), ...inputs],
      });
    }

    async function run(task: ContractTask, extra: Partial<RunCommandRequest> = {}) {
      const req = await request(task, extra);
      await executor.start(req);
      return { req, result: await executor.wait(req.executionID) };
    }

    async function collect(stream: AsyncIterable<LogChunk>): Promise<LogChunk[]> {
      const chunks: LogChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    }

    /** The log as [type, text] pairs, adjacent chunks of one stream merged. */
    function byStream(chunks: LogChunk[]): [number, string][] {
      const merged: [number, string][] = [];
      for (const chunk of chunks) {
        const text = Buffer.from(chunk.data).toString('utf8');
        const last = merged.at(-1);
        if (last !== undefined && last[0] === chunk.type) last[1] += text;
        else merged.push([chunk.type, text]);
      }
      return merged;
    }

    async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<BacalhauError> {
      const err: unknown = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BacalhauError);
      expect((err as BacalhauError).code).toBe(code);
      return err as BacalhauError;
    }

    it('reports that it is installed', async () => {
      expect(await executor.isInstalled()).toBe(true);
    });

    it('runs a task to completion and writes the result layout', async () => {
      const { req, result } = await run(harness.print('hello out\n', 'hello err\n'));
      expect(result).toEqual({
        Stdout: 'hello out\n',
        StdoutTruncated: false,
        stderr: 'hello err\n',
        StderrTruncated: false,
        ExitCode: 0,
        ErrorMsg: '',
      });
      expect(await readFile(join(req.resultsDir, 'stdout'), 'utf8')).toBe('hello out\n');
      expect(await readFile(join(req.resultsDir, 'stderr'), 'utf8')).toBe('hello err\n');
      expect(await readFile(join(req.resultsDir, 'exitCode'), 'utf8')).toBe('0');
    });

    it('records a non-zero exit code as a result, not an error', async () => {
      const { req, result } = await run(harness.exit(3));
      expect(result.ExitCode).toBe(3);
      expect(result.ErrorMsg).toBe('');
      expect(await readFile(join(req.resultsDir, 'exitCode'), 'utf8')).toBe('3');
    });

    it('creates one folder per result path and keeps what the task writes there', async () => {
      const outputs = [
        { Name: 'outputs', Path: '/outputs' },
        { Name: 'untouched', Path: '/untouched' },
      ];
      const { req, result } = await run(harness.writeOutput(outputs[0]!, 'answer.txt', '42'), { outputs });
      expect(result.ExitCode).toBe(0);
      expect(await readFile(join(req.resultsDir, 'outputs', 'answer.txt'), 'utf8')).toBe('42');
      expect(await readdir(join(req.resultsDir, 'untouched'))).toEqual([]);
    });

    it('refuses a result path whose Name is not one folder of the results, before anything runs', async () => {
      for (const Name of ['../escape', 'a/b', '.', 'stdout', 'stderr', 'exitCode']) {
        const outputs = [{ Name, Path: '/outputs' }];
        const req = await request(harness.writeOutput(outputs[0]!, 'x', 'x'), { outputs });
        const err = await executor.start(req).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, Name).toBeInstanceOf(BacalhauError);
        expect((err as BacalhauError).code).toBe(ErrorCode.OutputConfigError);
        expect((err as BacalhauError).message).toContain(JSON.stringify(Name));
        expect(await readdir(join(req.resultsDir, '..'))).not.toContain('escape');
      }
    });

    it('shows the prepared inputs at their targets', async () => {
      const source = join(root, 'input-data');
      await mkdir(source);
      await writeFile(join(source, 'greeting.txt'), 'hi from an input\n');
      const inputs = [{ source, target: '/inputs/data', readOnly: true }];
      const { result } = await run(harness.catInput('/inputs/data/greeting.txt'), { inputs });
      expect(result.Stdout).toBe('hi from an input\n');
      expect(result.ExitCode).toBe(0);
    });

    it('passes the environment it is given', async () => {
      const { result } = await run(harness.printEnv(), {
        env: { GREETING: 'hello', BACALHAU_EXECUTION_ID: 'e-env' },
      });
      const lines = result.Stdout.split('\n');
      expect(lines).toContain('GREETING=hello');
      expect(lines).toContain('BACALHAU_EXECUTION_ID=e-env');
    });

    it('keeps the first 2 KB of each stream in the result and flags the truncation', async () => {
      const big = 'x'.repeat(5000);
      const { req, result } = await run(harness.print(big, 'short'));
      expect(result.Stdout).toBe(big.slice(0, 2048));
      expect(result.StdoutTruncated).toBe(true);
      expect(result.stderr).toBe('short');
      expect(result.StderrTruncated).toBe(false);
      expect(await readFile(join(req.resultsDir, 'stdout'), 'utf8')).toBe(big);
    });

    it('caps the stdout and stderr files at the output limits', async () => {
      const outputLimits = {
        maxStdoutFileLength: 100,
        maxStdoutReturnLength: 10,
        maxStderrFileLength: 5,
        maxStderrReturnLength: 10,
      };
      const { req, result } = await run(harness.print('y'.repeat(300), 'z'.repeat(8)), { outputLimits });
      expect(result.Stdout).toBe('y'.repeat(10));
      expect(result.StdoutTruncated).toBe(true);
      expect(result.stderr).toBe('z'.repeat(8));
      expect(result.StderrTruncated).toBe(false);
      expect(await readFile(join(req.resultsDir, 'stdout'), 'utf8')).toBe('y'.repeat(100));
      expect(await readFile(join(req.resultsDir, 'stderr'), 'utf8')).toBe('z'.repeat(5));
    });

    it('ends a task whose output cannot be recorded (a full disk) with that failure', async () => {
      const req = await request(harness.flood());
      // every write to /dev/full fails with ENOSPC, as on a full disk; the recorder opens it by this name
      await symlink('/dev/full', join(req.resultsDir, 'stdout'));
      await executor.start(req);
      const err: unknown = await executor.wait(req.executionID).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BacalhauError);
      expect(err).toMatchObject({
        code: ErrorCode.IOError,
        hint: `free space on the disk that holds ${req.resultsDir}`,
      });
      expect((err as Error).message).toMatch(/^recording the task's output: ENOSPC: no space left on device/);
    });

    it('streams stdout and stderr in the order they were written', async () => {
      const { req } = await run(harness.interleave(4));
      const expected: [number, string][] = [];
      for (let i = 1; i <= 4; i++) {
        expected.push([ExecutionLogType.Stdout, `stdout ${i}\n`], [ExecutionLogType.Stderr, `stderr ${i}\n`]);
      }
      expect(byStream(await collect(executor.getLogStream(req.executionID)))).toEqual(expected);
      // a second reader sees the same history; tail skips it
      expect(byStream(await collect(executor.getLogStream(req.executionID)))).toEqual(expected);
      expect(await collect(executor.getLogStream(req.executionID, { tail: true }))).toEqual([]);
    });

    it('follows the log of a running execution until it ends', async () => {
      const req = await request(harness.interleave(3));
      await executor.start(req);
      const followed = collect(executor.getLogStream(req.executionID, { follow: true }));
      await executor.wait(req.executionID);
      const text = byStream(await followed)
        .map(([, t]) => t)
        .join('');
      expect(text).toBe('stdout 1\nstderr 1\nstdout 2\nstderr 2\nstdout 3\nstderr 3\n');
    });

    it('stops following when the signal aborts', async () => {
      const req = await request(harness.sleep(60_000));
      await executor.start(req);
      const controller = new AbortController();
      const followed = collect(
        executor.getLogStream(req.executionID, { follow: true, signal: controller.signal }),
      );
      controller.abort();
      await expect(followed).rejects.toThrow();
      await executor.cancel(req.executionID);
    });

    it('lets any number of callers wait, before and after the end', async () => {
      const req = await request(harness.print('once', ''));
      await executor.start(req);
      const [a, b] = await Promise.all([executor.wait(req.executionID), executor.wait(req.executionID)]);
      expect(a).toEqual(b);
      expect(await executor.wait(req.executionID)).toEqual(a);
    });

    it('stops waiting, not the execution, when the wait signal aborts', async () => {
      const req = await request(harness.sleep(300));
      await executor.start(req);
      const controller = new AbortController();
      const waiting = executor.wait(req.executionID, { signal: controller.signal });
      controller.abort();
      await expect(waiting).rejects.toThrow();
      expect((await executor.wait(req.executionID)).ExitCode).toBe(0);
    });

    it('cancels a running execution; cancelling again does nothing', async () => {
      const req = await request(harness.sleep(60_000));
      await executor.start(req);
      const started = Date.now();
      await executor.cancel(req.executionID);
      await expectCode(executor.wait(req.executionID), ErrorCode.ExecutionAlreadyCancelled);
      expect(Date.now() - started).toBeLessThan(10_000);
      await executor.cancel(req.executionID);
    });

    it('ends an execution that runs past its timeout with a retryable TimeOut', async () => {
      const req = await request(harness.sleep(60_000), { timeoutMs: 300 });
      await executor.start(req);
      const err = await expectCode(executor.wait(req.executionID), ErrorCode.TimeOut);
      expect(err.message).toBe('Execution timed out after 300ms');
      expect(err.retryable).toBe(true);
    });

    it('refuses to start an execution twice', async () => {
      const req = await request(harness.sleep(60_000));
      await executor.start(req);
      await expectCode(executor.start(req), ErrorCode.ExecutionAlreadyStarted);
      await executor.cancel(req.executionID);
      await executor.wait(req.executionID).catch(() => undefined);
      await expectCode(executor.start(req), ErrorCode.ExecutionAlreadyComplete);
    });

    it('refuses to start the same ID concurrently', async () => {
      const req = await request(harness.print('a', ''));
      const results = await Promise.allSettled([executor.start(req), executor.start(req)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      await executor.wait(req.executionID);
    });

    it('reports unknown executions as ExecutionNotFound', async () => {
      await expectCode(executor.wait('e-unknown'), ErrorCode.ExecutionNotFound);
      await expectCode(executor.cancel('e-unknown'), ErrorCode.ExecutionNotFound);
      await expectCode(collect(executor.getLogStream('e-unknown')), ErrorCode.ExecutionNotFound);
    });

    it('runs executions concurrently and keeps their results apart', async () => {
      const tasks = [harness.print('first', ''), harness.exit(7), harness.print('third', 'e')];
      const runs = await Promise.all(tasks.map((t) => run(t)));
      expect(runs.map((r) => [r.result.Stdout, r.result.ExitCode])).toEqual([
        ['first', 0],
        ['', 7],
        ['third', 0],
      ]);
    });
  });
}
