/**
 * The code that runs one WASM execution inside a worker thread, on `node:wasi` (preview1).
 *
 * The worker body is a self-contained function, started as an `eval` worker from its own source text:
 * that way the same code runs from `src/` under vitest/tsx and from `dist/`, with no worker file to
 * locate. It may use nothing from this module's scope at run time, only `require` and globals.
 *
 * A worker boots (Node's bootstrap, loading node:wasi, a warm-up run of our own module: warm-up.ts)
 * before it has a task, then runs each {@link WorkerInput} message it gets, one at a time: that lets
 * the pool (worker-pool.ts) start workers ahead of time and reuse a worker whose task ended cleanly.
 * Every task gets its own WASI instances (one per module), module instances and memories, and the
 * host fds behind its WASI fds are closed when it ends, so the next task in the same thread finds
 * nothing of it.
 *
 * node:wasi is not a sandbox by itself; the worker adds what the executor needs on top of it:
 * - stdout/stderr: `fd_write` on fds 1 and 2 is taken over; each write goes into a ring of shared
 *   memory the main thread reads and records in order (output-ring.ts). The worker blocks while the
 *   ring is full, so a task writing gigabytes cannot fill the host's memory.
 * - stdio fds: behind fds 0, 1 and 2 of every task is one /dev/null fd of the process. A task
 *   closing one only closes its own view of it (later calls on it fail with EBADF, as in wazero),
 *   and none may be renumbered: the host fd would be closed for every task, and its number handed to
 *   the next file or connection the node opens. They behave as pipes (no seeking or positioned I/O).
 * - bounds: at most {@link MaxOpenFiles} files open at once per module (a task killed while
 *   computing leaves its host fds open: threads share the process's fd table), and at most
 *   {@link MaxIovecs} buffers per read or write (node:wasi allocates host memory per buffer).
 * - read-only inputs: calls that would modify a file under a read-only preopen (or an fd opened from
 *   one), or a read-only file input in a writable folder of them, fail with EROFS, as on a read-only
 *   mount.
 * - symbolic links: path calls that would take the host outside the preopen they come through fail
 *   with ENOTCAPABLE (path-guard.ts).
 * - sleeping (`poll_oneoff` on clocks only) waits on a shared cell the main thread can wake, so that
 *   a sleeping task stops at once when killed instead of finishing its sleep first.
 * - `proc_exit` unwinds with the exit code (so any entrypoint, not only `_start`, can exit).
 * - a module's start function runs once WASI is bound to its memory, not during instantiation
 *   (start-section.ts).
 * - Bacalhau's HTTP host module (`wasi:http/requests`), when the task has a network: each call goes
 *   to the main thread (http-requests.ts), and the task waits for its answer, or its kill.
 * The main thread ends the worker with `terminate()`, which also stops a module spinning in a loop.
 */
import type * as NodePath from 'node:path';
import type * as NodeWasi from 'node:wasi';
import type * as WorkerThreads from 'node:worker_threads';
import type { NamedModule } from './modules.js';
import type { Preopen } from './mounts.js';
import { createRingWriter, RingSlot } from './output-ring.js';
import { DeferredStartExport } from './start-section.js';
import { HttpFunctionName, HttpModuleName, HttpStatus } from './http-requests.js';
import { createPathGuard, type LinkHandling } from './path-guard.js';
import { WarmUpModuleHex } from './warm-up.js';

/** Indices in the shared control array: the output ring's, and the kill flag. */
export const ControlSlot = {
  /** Set to 1 by the main thread when the execution is being killed. */
  Killed: 0,
  ...RingSlot,
  /** Set to 1 by the main thread once the answer to an HTTP call is on the task's port. */
  HttpAnswered: 3,
} as const;
export const ControlSlots = 4;

/** Files a module may have open at once besides stdio and its preopens (EMFILE beyond). */
export const MaxOpenFiles = 256;
/** Buffers per read or write call, POSIX's IOV_MAX (EINVAL beyond). */
export const MaxIovecs = 1024;

export interface WorkerInput {
  dependencies: NamedModule[];
  entry: object;
  entrypoint: string;
  args: string[];
  env: Record<string, string>;
  preopens: Preopen[];
  /** Int32Array over it, indexed by {@link ControlSlot}. */
  control: SharedArrayBuffer;
  /** The output ring (output-ring.ts). */
  output: SharedArrayBuffer;
  /** Where HTTP calls go when the task has the HTTP host module (http-requests.ts). */
  http?: WorkerThreads.MessagePort;
  /** local-write-gate.ts's, for calls that change names in the task's folders: whether it is held, */
  gate: SharedArrayBuffer;
  /** and this run's count of such calls under way. */
  writing: SharedArrayBuffer;
}

/**
 * The task ended (all its output is in the ring): its exit code, `error` when it did not exit by itself
 * (a trap), and how many bytes its module instances' exported memories held at the end (the thread
 * keeps them until its next GC).
 */
export interface WorkerMessage {
  type: 'exit';
  code: number;
  error: string;
  memoryBytes: number;
  /**
   * A WASI instance failed to open the preopens (EMFILE): node:wasi leaves open those it had opened,
   * which no fd of the task names, so the task's own folders are swept (left-fds.ts).
   */
  leftOpen?: true;
}

/**
 * The JavaScript of an eval worker that runs {@link wasmWorkerMain}. Transpilers that keep function
 * names (esbuild's keepNames, which tsx uses) wrap inner functions in calls to a `__name` helper
 * defined in the module; the worker gets a no-op one so the body runs however it was compiled.
 */
export function workerSource(devNull: number): string {
  const args = [
    'require',
    devNull,
    JSON.stringify({ maxOpenFiles: MaxOpenFiles, maxIovecs: MaxIovecs }),
    JSON.stringify(DeferredStartExport),
    JSON.stringify({ module: HttpModuleName, name: HttpFunctionName, status: HttpStatus }),
    JSON.stringify(WarmUpModuleHex),
    createPathGuard.toString(),
    createRingWriter.toString(),
  ].join(', ');
  return `var __name = (target) => target;\n(${wasmWorkerMain.toString()})(${args});`;
}

interface WasmInstance {
  exports: Record<string, unknown>;
}
interface WasmGlobal {
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): { module: string; name: string; kind: string }[];
    exports(module: object): { name: string; kind: string }[];
  };
  Instance: new (module: object, imports: object) => WasmInstance;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
type WasiFunction = (...args: (number | bigint)[]) => number;

/**
 * A path argument of a WASI call, by argument position: its fd, its pointer (the length follows it)
 * and, for calls that take lookup flags, theirs. What the host does with a link at the path's end is
 * `follows-in-guest` when those flags ask to follow, `withoutFollow` otherwise.
 */
interface PathArgument {
  fd: number;
  path: number;
  flags?: number;
  withoutFollow: LinkHandling;
}

/**
 * `devNull` is an fd of /dev/null open for reading and writing, shared by all workers: a task's stdin,
 * and where its stdio goes besides the writes taken over. Opened by the main thread once, because an
 * fd a worker opens outlives the worker (threads share the process's fd table).
 */
function wasmWorkerMain(
  req: NodeJS.Require,
  devNull: number,
  limits: { maxOpenFiles: number; maxIovecs: number },
  deferredStart: string,
  http: { module: string; name: string; status: typeof HttpStatus },
  warmUpHex: string,
  makePathGuard: typeof createPathGuard,
  makeRingWriter: typeof createRingWriter,
): void {
  const threads = req('node:worker_threads') as typeof WorkerThreads;
  const posixPath = (req('node:path') as typeof NodePath).posix;
  const port = threads.parentPort!;
  const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

  // node:wasi warns that it is experimental on first load; the executor's users need not hear it
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back unchanged below
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (!text.includes('WASI')) Reflect.apply(emitWarning, process, [warning, ...rest]);
  };
  const { WASI } = req('node:wasi') as typeof NodeWasi;
  process.emitWarning = emitWarning;

  /** The memory an instance exports as `memory`, which WASI works on. */
  const memoryOf = (instance: WasmInstance): { buffer: ArrayBuffer } | undefined => {
    const exported = instance.exports['memory'];
    return exported instanceof (wasm.Memory as unknown as new () => object)
      ? (exported as { buffer: ArrayBuffer })
      : undefined;
  };

  /**
   * The bytes of the memory a module instance defines, measured where it exports it; 0 for one that
   * imports its memory (counted where it is defined) or has none. One that keeps its memory to itself
   * cannot be measured: the main thread knows those (`WasmProgram.hidesMemory`).
   */
  const heldMemoryBytes = (module: object, instance: WasmInstance): number => {
    const exported = wasm.Module.exports(module).find((e) => e.kind === 'memory');
    if (exported !== undefined)
      return (instance.exports[exported.name] as { buffer: ArrayBuffer }).buffer.byteLength;
    return 0;
  };

  /** Runs one task, telling `post` about its end; false when it was killed. */
  const runTask = (input: WorkerInput, post: (message: WorkerMessage) => void): boolean => {
    const control = new Int32Array(input.control);
    const killed = 0; // ControlSlot.Killed, repeated: this function may not use outer names
    const httpAnswered = 3; // ControlSlot.HttpAnswered
    const writeOutput = makeRingWriter(control, new Uint8Array(input.output));
    const Errno = { success: 0, badf: 8, fault: 21, inval: 28, mfile: 33, notsup: 58, rofs: 69, spipe: 70 };
    const WasiName = 'wasi_snapshot_preview1';
    const Rights = { fdWrite: 1n << 6n, fdAllocate: 1n << 8n, fdFilestatSetSize: 1n << 22n };
    const OFlags = { creat: 1, trunc: 8 };
    const appendFlag = 1;
    const lookupFollow = 1;

    /** Thrown through the module's frames to end it: by proc_exit, or when the main thread kills it. */
    const exitSignal = Object.assign(new Error('proc_exit'), { code: 0 });
    const killedSignal = new Error('killed');
    const throwIfKilled = (): void => {
      if (Atomics.load(control, killed) !== 0) throw killedSignal;
    };
    const [gate, writing] = [new Int32Array(input.gate), new Int32Array(input.writing)];
    /** Waits while the gate is held (local-write-gate.ts), then counts this call in until `leaveGate`. */
    const enterGate = (): void => {
      for (;;) {
        while (Atomics.load(gate, 0) !== 0) {
          Atomics.wait(gate, 0, 1, 50);
          throwIfKilled();
        }
        Atomics.add(writing, 0, 1);
        if (Atomics.load(gate, 0) === 0) return;
        Atomics.sub(writing, 0, 1);
      }
    };
    const leaveGate = (): void => void Atomics.sub(writing, 0, 1);

    const now = (clockId: number): bigint =>
      clockId === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();

    /** Set when a WASI instance could not be made: see WorkerMessage.leftOpen. */
    let leftOpen = false;
    /**
     * One WASI environment per module: node:wasi reads pointers in the memory it was initialised with,
     * so a module in ImportModules calling WASI needs its own (wazero passes each host call the memory
     * of the module calling it). All share the preopens (each opens them anew), stdio and the control.
     */
    const makeEnvironment = () => {
      // preopens get fds 3, 4, ... in the order given
      const paths = makePathGuard(req, input.preopens, 3);
      let wasi: InstanceType<typeof WASI>;
      try {
        wasi = new WASI({
          version: 'preview1',
          args: input.args,
          env: input.env,
          preopens: Object.fromEntries(input.preopens.map((p, i) => [p.guest, paths.hosts[i]!])),
          stdin: devNull,
          stdout: devNull,
          stderr: devNull,
          returnOnExit: true,
        });
      } catch (err) {
        leftOpen = true;
        throw err;
      }
      const base = (wasi.getImportObject() as Record<string, Record<string, WasiFunction>>)[WasiName]!;
      const call = (name: string, args: (number | bigint)[]): number => base[name]!(...args);

      let memory: { buffer: ArrayBuffer } | undefined;
      const view = (): DataView => new DataView(memory!.buffer);
      const readOnlyFds = new Set<number>();
      /** Per preopen fd: the names of read-only files in it (mounts.ts). */
      const readOnlyNames = new Map<number, Set<string>>();
      input.preopens.forEach((p, i) => {
        if (p.readOnly) readOnlyFds.add(3 + i);
        if (p.readOnlyNames !== undefined) readOnlyNames.set(3 + i, new Set(p.readOnlyNames));
      });
      /**
       * Whether `path`, relative to `fd`, names one of the read-only files in it. By name through the
       * preopen only: a path reaching the file another way (a folder fd opened on ".", a link) is not
       * refused, but writes only the task's copy of it (mounts.ts), never the input.
       */
      const isReadOnlyName = (fd: number, path: string): boolean =>
        readOnlyNames.get(fd)?.has(posixPath.normalize(path).replace(/\/+$/, '')) === true;
      /**
       * The highest WASI fd in use so far. Behind each is a host fd, which a worker's end does not close
       * (threads share the process's fd table): every one is closed when the task ends.
       */
      let highestFd = 2 + input.preopens.length;
      /** The fds path_open gave out that are still open: bounded by limits.maxOpenFiles. */
      const openedFds = new Set<number>();
      /** The stdio fds the module closed: its own view of them (see the file's comment). */
      const closedStdio = new Set<number>();
      const isStdio = (fd: number): boolean => fd >= 0 && fd <= 2;
      let initialized = false;
      /** Binds WASI to the module's memory; a module without one (it makes no WASI call) gets an empty one. */
      const initialize = (exported: { buffer: ArrayBuffer } | undefined): void => {
        memory = exported ?? new wasm.Memory({ initial: 0 });
        wasi.initialize({ exports: { memory } });
        initialized = true;
      };
      const closeAll = (): void => {
        // node:wasi refuses every call before initialize, and a module may fail to instantiate before it
        if (!initialized) initialize(undefined);
        for (let fd = 3; fd <= highestFd; fd++) call('fd_close', [fd]);
      };
      /** The guest's path bytes, one per char (see PathGuard.check). */
      const pathText = (args: (number | bigint)[], at: number): string =>
        Buffer.from(memory!.buffer, args[at] as number, args[at + 1] as number).toString('latin1');
      const handlingOf = (args: (number | bigint)[], argument: PathArgument): LinkHandling =>
        argument.flags !== undefined && ((args[argument.flags] as number) & lookupFollow) !== 0
          ? 'follows-in-guest'
          : argument.withoutFollow;
      /** The errno of the first path argument the guard refuses, or 0. */
      const pathErrno = (args: (number | bigint)[], pathArguments: PathArgument[]): number => {
        for (const argument of pathArguments) {
          const fd = args[argument.fd] as number;
          const { errno } = paths.check(fd, pathText(args, argument.path), handlingOf(args, argument));
          if (errno !== Errno.success) return errno;
        }
        return Errno.success;
      };
      /** The call, unless it modifies through a read-only fd (`readOnlyFdArgs`) or a path leaves its preopen. */
      const guard =
        (name: string, readOnlyFdArgs: number[], pathArguments: PathArgument[] = []): WasiFunction =>
        (...args) => {
          if (readOnlyFdArgs.some((i) => readOnlyFds.has(args[i] as number))) return Errno.rofs;
          const modified = pathArguments.filter((a) => readOnlyFdArgs.includes(a.fd));
          if (modified.some((a) => isReadOnlyName(args[a.fd] as number, pathText(args, a.path)))) {
            return Errno.rofs;
          }
          // a call that changes names waits while a container with local inputs starts
          const changes = readOnlyFdArgs.length > 0;
          if (changes) enterGate();
          try {
            const errno = pathErrno(args, pathArguments);
            return errno !== Errno.success ? errno : call(name, args);
          } finally {
            if (changes) leaveGate();
          }
        };
      const onLink = (fd: number, path: number): PathArgument => ({
        fd,
        path,
        withoutFollow: 'acts-on-link',
      });
      const makeLink = guard('path_symlink', [2], [onLink(2, 3)]);
      const linkFile = guard('path_link', [0, 4], [{ ...onLink(0, 2), flags: 1 }, onLink(4, 5)]);
      /** The path of path_open and path_filestat_set_times, whose end the host follows unless told to. */
      const openedPath: PathArgument = { fd: 0, path: 2, flags: 1, withoutFollow: 'follows-on-host' };

      /**
       * An i32 argument as the unsigned number it stands for: JavaScript receives i32 values as
       * signed, and a pointer or length past 2 GiB would be negative, passing any `<` check.
       */
      const unsigned = (n: number | bigint | undefined): number => Number(n) >>> 0;
      /** A read or write of buffers (their count third): refused past limits.maxIovecs buffers. */
      const vectored =
        (name: string, next: WasiFunction = (...args) => call(name, args)): WasiFunction =>
        (...args) =>
          unsigned(args[2]) > limits.maxIovecs ? Errno.inval : next(...args);
      /** A call that needs a seekable file: stdio behaves as pipes. */
      const seekable =
        (name: string, next: WasiFunction = (...args) => call(name, args)): WasiFunction =>
        (...args) =>
          isStdio(args[0] as number) ? Errno.spipe : next(...args);

      const overrides: Record<string, WasiFunction> = {
        fd_write: vectored('fd_write', (...args) => {
          const [fd, iovs, iovsLen, nwritten] = args.map(unsigned);
          if (fd !== 1 && fd !== 2) return call('fd_write', args);
          const dv = view();
          const memoryBytes = memory!.buffer.byteLength;
          if (iovs! + 8 * iovsLen! > memoryBytes || nwritten! + 4 > memoryBytes) return Errno.fault;
          // views of the module's memory, checked first (a bad one writes nothing): the ring copies them
          const pieces: Uint8Array[] = [];
          let total = 0;
          for (let i = 0; i < iovsLen!; i++) {
            const ptr = dv.getUint32(iovs! + 8 * i, true);
            const len = dv.getUint32(iovs! + 8 * i + 4, true);
            if (ptr + len > memoryBytes) return Errno.fault;
            pieces.push(new Uint8Array(memory!.buffer, ptr, len));
            total += len;
          }
          for (const piece of pieces) writeOutput(fd, piece, throwIfKilled);
          view().setUint32(nwritten!, total, true);
          return Errno.success;
        }),
        proc_exit: (code) => {
          exitSignal.code = Number(code) >>> 0;
          throw exitSignal;
        },
        fd_read: vectored('fd_read'),
        fd_pread: seekable('fd_pread', vectored('fd_pread')),
        fd_pwrite: seekable('fd_pwrite', vectored('fd_pwrite')),
        fd_seek: seekable('fd_seek'),
        fd_tell: seekable('fd_tell'),
        poll_oneoff: (...args) => {
          const [subs, events, count, neventsPtr] = args.map(unsigned);
          const dv = view();
          // checked before anything is allocated for them: `count` is the module's to choose
          const memoryBytes = dv.byteLength;
          if (subs! + 48 * count! > memoryBytes || events! + 32 * count! > memoryBytes) return Errno.fault;
          const timeouts = new BigUint64Array(count);
          for (let i = 0; i < count!; i++) {
            const sub = subs! + 48 * i;
            // anything but clocks (fd readiness): node:wasi's own implementation
            if (dv.getUint8(sub + 8) !== 0) return call('poll_oneoff', args);
            let timeout = dv.getBigUint64(sub + 24, true);
            if ((dv.getUint16(sub + 40, true) & 1) !== 0) timeout -= now(dv.getUint32(sub + 16, true));
            timeouts[i] = timeout < 0n ? 0n : timeout;
          }
          if (count === 0) return Errno.inval;
          const soonest = timeouts.reduce((a, b) => (b < a ? b : a));
          if (soonest > 0n) Atomics.wait(control, killed, 0, Number(soonest) / 1e6);
          throwIfKilled();
          const out = view();
          let fired = 0;
          timeouts.forEach((timeout, i) => {
            if (timeout !== soonest) return;
            const event = events! + 32 * fired++;
            out.setBigUint64(event, out.getBigUint64(subs! + 48 * i, true), true);
            out.setUint16(event + 8, Errno.success, true);
            out.setUint8(event + 10, 0);
          });
          out.setUint32(neventsPtr!, fired, true);
          return Errno.success;
        },
        path_open: (...args) => {
          const [dirFd, , , , oflags] = args as number[];
          const rights = args[5] as bigint;
          const fdflags = args[7] as number;
          const openedPtr = args[8] as number;
          const fromReadOnly =
            readOnlyFds.has(dirFd!) || isReadOnlyName(dirFd!, pathText(args, openedPath.path));
          const writing =
            (oflags! & (OFlags.creat | OFlags.trunc)) !== 0 ||
            (rights & (Rights.fdWrite | Rights.fdAllocate | Rights.fdFilestatSetSize)) !== 0n ||
            (fdflags & appendFlag) !== 0;
          if (fromReadOnly && writing) return Errno.rofs;
          if (openedFds.size >= limits.maxOpenFiles) return Errno.mfile;
          const allowed = paths.check(dirFd!, pathText(args, openedPath.path), handlingOf(args, openedPath));
          if (allowed.errno !== Errno.success) return allowed.errno;
          const errno = call('path_open', args);
          if (errno !== Errno.success) return errno;
          const opened = view().getUint32(openedPtr, true);
          openedFds.add(opened);
          highestFd = Math.max(highestFd, opened);
          if (fromReadOnly) readOnlyFds.add(opened);
          if (allowed.host !== undefined) paths.opened(dirFd!, allowed.host, opened);
          return errno;
        },
        fd_close: (...args) => {
          const fd = args[0] as number;
          if (isStdio(fd)) {
            if (closedStdio.has(fd)) return Errno.badf;
            closedStdio.add(fd);
            return Errno.success;
          }
          const errno = call('fd_close', args);
          if (errno === Errno.success) {
            readOnlyFds.delete(fd);
            openedFds.delete(fd);
            paths.closed(fd);
          }
          return errno;
        },
        fd_renumber: (...args) => {
          const [from, to] = args as number[];
          if (isStdio(from!) || isStdio(to!)) return Errno.notsup;
          const errno = call('fd_renumber', args);
          if (errno === Errno.success) {
            if (openedFds.delete(from!)) openedFds.add(to!);
            else openedFds.delete(to!);
            highestFd = Math.max(highestFd, to!);
            if (readOnlyFds.delete(from!)) readOnlyFds.add(to!);
            else readOnlyFds.delete(to!);
            paths.renumbered(from!, to!);
          }
          return errno;
        },
        // every call that takes a path, and every call that changes a file or folder through an fd
        // (argument positions of the fds that may not be read-only, and of the paths)
        path_create_directory: guard('path_create_directory', [0], [onLink(0, 1)]),
        path_remove_directory: guard('path_remove_directory', [0], [onLink(0, 1)]),
        path_unlink_file: guard('path_unlink_file', [0], [onLink(0, 1)]),
        path_rename: guard('path_rename', [0, 3], [onLink(0, 1), onLink(3, 4)]),
        // where the link is made, and where its text leads on the host (the guard also checks
        // wherever a link is followed)
        path_symlink: (...args) => {
          const errno = paths.checkLinkTarget(args[2] as number, pathText(args, 3), pathText(args, 0));
          return errno !== Errno.success ? errno : makeLink(...args);
        },
        // a hard link to a symbolic link (its last link not followed) copies it: checked as a new one
        path_link: (...args) => {
          const copiesLink = (Number(args[1]) & lookupFollow) === 0;
          const errno = copiesLink
            ? paths.checkLinkCopy(args[0] as number, pathText(args, 2))
            : Errno.success;
          return errno !== Errno.success ? errno : linkFile(...args);
        },
        path_readlink: guard('path_readlink', [], [onLink(0, 1)]),
        path_filestat_get: guard('path_filestat_get', [], [{ ...onLink(0, 2), flags: 1 }]),
        path_filestat_set_times: guard('path_filestat_set_times', [0], [openedPath]),
        fd_filestat_set_size: guard('fd_filestat_set_size', [0]),
        fd_filestat_set_times: guard('fd_filestat_set_times', [0]),
        fd_allocate: guard('fd_allocate', [0]),
      };

      /**
       * Go's `http_request`: the call read from the module's memory and handed to the main thread,
       * which answers on the port; the response written back as Go writes it (cut to the buffers
       * the module gave, their lengths set to what was written).
       */
      const httpRequest: WasiFunction = (...raw) => {
        const numbers = raw.map(unsigned);
        const [method, urlPtr, urlLen, headersPtr, headersLen, bodyPtr, bodyLen] = numbers;
        const [respHeadersPtr, respHeadersLenPtr, respBodyPtr, respBodyLenPtr, statusPtr] = numbers.slice(7);
        const { status } = http;
        if (!respHeadersPtr || !respHeadersLenPtr || !respBodyPtr || !respBodyLenPtr) return status.BadInput;
        // the module waits in this call, so its memory stays as it is until the answer is written
        const bytes = new Uint8Array(memory!.buffer);
        const dv = view();
        const fits = (ptr: number, length: number): boolean => ptr + length <= bytes.length;
        const text = (ptr: number, length: number): string =>
          Buffer.from(bytes.buffer, ptr, length).toString('utf8');
        if (!fits(urlPtr!, urlLen!)) return status.InvalidURL;
        let body = new Uint8Array(0);
        if (bodyPtr !== 0 && bodyLen! > 0) {
          if (!fits(bodyPtr!, bodyLen!)) return status.BadInput;
          body = bytes.slice(bodyPtr, bodyPtr! + bodyLen!);
        }
        const headers =
          headersPtr !== 0 && fits(headersPtr!, headersLen!) ? text(headersPtr!, headersLen!) : '';
        // Go's calculateMaxResponseSize: 80% of the memory, within 64 KiB and 100 MB
        const maxBodyBytes = Math.min(100 * 1024 * 1024, Math.max(64 * 1024, Math.floor(bytes.length * 0.8)));
        Atomics.store(control, httpAnswered, 0);
        const call = { method, url: text(urlPtr!, urlLen!), headers, body, maxBodyBytes };
        input.http!.postMessage(call, [body.buffer]);
        while (Atomics.load(control, httpAnswered) === 0) {
          throwIfKilled();
          Atomics.wait(control, httpAnswered, 0, 1000);
        }
        throwIfKilled();
        const answer = threads.receiveMessageOnPort(input.http!)?.message as
          { code: number; status: number; headers: string; body: Uint8Array } | undefined;
        if (answer === undefined) return status.NetworkError;
        if (answer.code !== status.Success) return answer.code;
        if (!fits(respHeadersLenPtr, 4) || !fits(respBodyLenPtr, 4)) return status.MemoryError;
        const headerBytes = Buffer.from(answer.headers, 'utf8').subarray(
          0,
          dv.getUint32(respHeadersLenPtr, true),
        );
        const bodyBytes = answer.body.subarray(0, dv.getUint32(respBodyLenPtr, true));
        if (statusPtr !== 0) {
          if (!fits(statusPtr!, 4)) return status.MemoryError;
          dv.setUint32(statusPtr!, answer.status, true);
        }
        dv.setUint32(respHeadersLenPtr, headerBytes.length, true);
        dv.setUint32(respBodyLenPtr, bodyBytes.length, true);
        if (!fits(respHeadersPtr, headerBytes.length) || !fits(respBodyPtr, bodyBytes.length)) {
          return status.MemoryError;
        }
        bytes.set(headerBytes, respHeadersPtr);
        bytes.set(bodyBytes, respBodyPtr);
        return status.Success;
      };
      const hostModules: Record<string, Record<string, WasiFunction>> = input.http === undefined
        ? {}
        : { [http.module]: { [http.name]: httpRequest } };

      const imports: Record<string, WasiFunction> = { ...base, ...overrides };
      // every fd call's first argument is its fd: on a stdio fd the module closed, EBADF
      for (const [name, fn] of Object.entries(imports)) {
        if (name.startsWith('fd_') && name !== 'fd_close') {
          imports[name] = (...args) => (closedStdio.has(args[0] as number) ? Errno.badf : fn(...args));
        }
      }
      return { imports, hostModules, initialize, closeAll };
    };

    /** The modules instantiated so far, by the name others import them by. */
    const modules: Record<string, Record<string, unknown>> = {};
    const environments: ReturnType<typeof makeEnvironment>[] = [];
    const closeAll = (): void => environments.forEach((environment) => environment.closeAll());
    const instantiate = (module: object): WasmInstance => {
      const environment = makeEnvironment();
      environments.push(environment);
      const instance = new wasm.Instance(module, {
        ...modules,
        ...environment.hostModules,
        [WasiName]: environment.imports,
      });
      // WASI works on the module's own memory, or on the one it imports from another module
      const imported = wasm.Module.imports(module).find((i) => i.kind === 'memory');
      const importedMemory =
        imported === undefined
          ? undefined
          : (modules[imported.module]?.[imported.name] as { buffer: ArrayBuffer });
      environment.initialize(memoryOf(instance) ?? importedMemory);
      // the module's start function, once WASI can work on its memory (start-section.ts)
      const start = instance.exports[deferredStart];
      if (typeof start === 'function') (start as () => unknown)();
      return instance;
    };
    let code = 0;
    let error = '';
    const instances: { module: object; instance: WasmInstance }[] = [];
    try {
      for (const dependency of input.dependencies) {
        const dependencyInstance = instantiate(dependency.module);
        instances.push({ module: dependency.module, instance: dependencyInstance });
        modules[dependency.name] = dependencyInstance.exports;
      }
      const instance = instantiate(input.entry);
      instances.push({ module: input.entry, instance });
      const entry = instance.exports[input.entrypoint] as () => unknown;
      // Go calls the entrypoint with no arguments and wazero refuses a function that takes some, where
      // JavaScript would pass zeros: fail as Go does (exit code 1 and wazero's error)
      if (entry.length > 0) {
        code = 1;
        error = `expected ${entry.length} params, but passed 0`;
      } else entry();
    } catch (err) {
      if (err === killedSignal) {
        closeAll();
        return false;
      }
      if (err === exitSignal) code = exitSignal.code;
      else {
        // Go reports a trap as exit code 1 with the runtime's error
        code = 1;
        error = `wasm error: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    closeAll();
    const memoryBytes = instances.reduce((sum, i) => sum + heldMemoryBytes(i.module, i.instance), 0);
    post({ type: 'exit', code, error, memoryBytes, ...(leftOpen ? { leftOpen: true as const } : {}) });
    return true;
  };

  // see warm-up.ts; a warm-up that fails only costs the task the time it would have saved
  try {
    const warmUp = Buffer.from(warmUpHex, 'hex');
    const control = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT); // ControlSlots
    const output = new SharedArrayBuffer(64);
    const [gate, writing] = [new SharedArrayBuffer(4), new SharedArrayBuffer(4)]; // local-write-gate.ts
    const task = { dependencies: [], entry: new wasm.Module(warmUp), entrypoint: '_start', args: [] };
    runTask({ ...task, env: {}, preopens: [], control, output, gate, writing }, () => undefined);
  } catch {
    // nothing to undo: the warm-up shares no state with the task
  }

  // tasks one at a time: the main thread sends the next only after this one's exit message
  port.on('message', (input: WorkerInput) => {
    const ended = runTask(input, (message) => port.postMessage(message));
    // a killed task's worker is not reused: with its files closed, it ends without waiting to be terminated
    if (!ended) port.close();
  });
}
