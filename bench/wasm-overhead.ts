/**
 * WASM overhead (Compute issue): a tiny hello-world WASI module run as a job on the embedded node,
 * from submission through the HTTP API until the API says Completed, against the same module run raw
 * with `node:wasi` (compile + instantiate + `wasi.start`, preview1) on the main thread, measured in the
 * same run. Target: a median overhead (difference) of at most 5 ms.
 *
 * Two more baselines run the module in a Worker thread (compiled on the main thread, instantiated and
 * started in the worker, as the executor does): a fresh one, started within the measured time (what
 * each execution cost before the executor kept spare workers), and one started beforehand (what an
 * execution on a spare worker cannot go below). The module writes its line to /dev/null in the
 * baselines; the job's executor records it to its log file.
 *
 * The node is warmed up with 1,000 rounds first, as a node in service is: V8 compiles a function
 * once it has run often enough, and a job runs a long path of the node's code once, so the node's
 * jobs get faster over its first ~1,000 (measured on tmpfs, where the disk costs nothing: a noop job's
 * median 4.1 ms over the first 100, 2.1 ms after 1,100). The job's first runs, on the fresh node, are
 * printed as well.
 *
 *   npm run bench:wasm -- [--runs 30] [--warmup 1000] [--poll-ms 0] [--json]
 */
import { once } from 'node:events';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { inlineSource } from '../src/cli/commands/wasm/inline-upload.js';
import { WasmExecutor } from '../src/executor/wasm/executor.js';
import { Engine, JobType } from '../src/models/constants.js';
import { benchMain } from './lib/cleanup.js';
import { overheadFlags, runOverheadBenchmark } from './lib/compute-overhead.js';

const flags = overheadFlags(process.argv.slice(2), { warmup: 1000 });

/** What the bench needs of WebAssembly (Node's types do not declare it). */
interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

// node:wasi warns that it is experimental when loaded; the executor silences it too
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...more: unknown[]) => {
  if (!String(warning).includes('WASI')) Reflect.apply(emitWarning, process, [warning, ...more]);
};
const { WASI } = await import('node:wasi');

// the generator is plain JavaScript shared with the quick start; its one export is typed here
const { helloWasm } = (await import(new URL('../scripts/lib/hello-wasm.mjs', import.meta.url).href)) as {
  helloWasm: (text: string) => Uint8Array;
};
const bytes = helloWasm('Hello from the WASM overhead benchmark!\n');

async function rawMainThread(devNull: number): Promise<number> {
  const start = performance.now();
  const module = await WebAssembly.compile(bytes);
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, stdout: devNull, returnOnExit: true });
  wasi.start(await WebAssembly.instantiate(module, wasi.getImportObject()));
  return performance.now() - start;
}

/**
 * The worker's side of the worker baselines; `require` only, as in the executor's eval worker. It boots,
 * says so, then waits for its module, as the executor's workers do.
 */
const workerSource = `
process.emitWarning = () => {};
const { parentPort } = require('node:worker_threads');
const { WASI } = require('node:wasi');
parentPort.once('message', ({ module, fd }) => {
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, stdout: fd, returnOnExit: true });
  WebAssembly.instantiate(module, wasi.getImportObject())
    .then((instance) => parentPort.postMessage(wasi.start(instance)));
});
parentPort.postMessage('ready');
`;

interface StartedWorker {
  worker: Worker;
  /** Settles once the worker booted and waits for its module. */
  ready: Promise<unknown>;
}

function startWorker(): StartedWorker {
  // env and execArgv empty as in the executor: no tsx loader in the worker
  const worker = new Worker(workerSource, { eval: true, env: {}, execArgv: [] });
  return { worker, ready: once(worker, 'message') };
}

/** Compiles on the main thread, then instantiates and starts in the booted worker; until its exit code. */
async function runInWorker({ worker, ready }: StartedWorker, devNull: number): Promise<void> {
  const module = await WebAssembly.compile(bytes);
  await ready;
  const exited = once(worker, 'message');
  worker.postMessage({ module, fd: devNull });
  await exited;
  await worker.terminate();
}

async function rawFreshWorker(devNull: number): Promise<number> {
  const start = performance.now();
  await runInWorker(startWorker(), devNull);
  return performance.now() - start;
}

/** Boots a worker, then measures only the run in it: what an execution on a spare worker costs. */
async function rawPrestartedWorker(devNull: number): Promise<number> {
  const started = startWorker();
  await started.ready;
  const start = performance.now();
  await runInWorker(started, devNull);
  return performance.now() - start;
}

await benchMain(async (cleanup) => {
  const devNull = openSync('/dev/null', 'w');
  cleanup.add(() => closeSync(devNull));
  await runOverheadBenchmark(cleanup, {
    title: 'WASM overhead: a hello-world WASI module as a job vs raw node:wasi',
    parameters: { module: `${bytes.length} bytes, writes one line` },
    baselines: [
      { name: 'raw node:wasi, main thread', run: () => rawMainThread(devNull) },
      { name: 'raw node:wasi, fresh worker', run: () => rawFreshWorker(devNull) },
      { name: 'raw node:wasi, pre-started worker', run: () => rawPrestartedWorker(devNull) },
    ],
    engines: { wasm: new WasmExecutor() },
    // the job `bacalhau wasm run hello.wasm` submits: the module uploaded as an inline input
    job: async (dataDir) => {
      const path = join(dataDir, 'hello.wasm');
      writeFileSync(path, bytes);
      const wasm = { EntryModule: 'main.wasm', Entrypoint: '_start', Parameters: [], ImportModules: null };
      return {
        Type: JobType.Batch,
        Count: 1,
        Tasks: [
          {
            Name: 'main',
            Engine: { Type: Engine.Wasm, Params: wasm },
            InputSources: [{ Alias: '', Source: await inlineSource(path), Target: 'main.wasm' }],
          },
        ],
      };
    },
    target: { measure: 'difference', limit: 5, label: 'target 5 ms' },
    flags,
  });
});
