/**
 * Finding, capping and compiling the modules of a WASM task (Go `pkg/executor/wasm/loader.go`), on the
 * main thread before any worker starts, so that a missing or broken module, an unknown import or a
 * missing entrypoint is refused at `start` with an error naming the field. A module bigger than 64 KiB
 * is compiled asynchronously (off the event loop), a smaller one at once; the compiled modules are
 * handed to the worker as they are. Before compiling, each module's memory is capped (memory-limit.ts)
 * and its start function deferred until WASI is bound (start-section.ts).
 */
import { readdir, realpath } from 'node:fs/promises';
import { isInsideFolder } from '../../lib/path-inside.js';
import { readSmallFile } from '../../lib/quick-fs.js';
import { join, posix } from 'node:path';
import type { PreparedVolume } from '../types.js';
import {
  entrypointError,
  moduleCompileError,
  moduleNotFound,
  importCycle,
  unknownModule,
  unresolvedImport,
} from './errors.js';
import { capMemory } from './memory-limit.js';
import { deferStart } from './start-section.js';
import { definesMemory } from './wasm-binary.js';
import { WasiFunctions } from './wasi-functions.js';
import { HttpFunctionName, HttpModuleName } from './http-requests.js';
import type { WasmEngineSpec } from '../../models/engines/wasm.js';

/** The WASI preview1 import namespace, provided by the worker. */
export const WasiModuleName = 'wasi_snapshot_preview1';

/** The typed part of the global WebAssembly API used here (tsconfig's lib has no DOM types). */
interface ModuleDescriptor {
  module: string;
  name: string;
  kind: string;
}
export interface WebAssemblyModuleApi {
  compile(bytes: Uint8Array): Promise<object>;
  Module: {
    new (bytes: Uint8Array): object;
    exports(module: object): { name: string; kind: string }[];
    imports(module: object): ModuleDescriptor[];
  };
}
export const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyModuleApi }).WebAssembly;

export interface NamedModule {
  /** The name other modules import it by: the path it was loaded from. */
  name: string;
  module: object;
}

/** Modules in instantiation order: every module after the modules it imports; the entry module last. */
export interface WasmProgram {
  dependencies: NamedModule[];
  entry: object;
  /** Whether a module imports the HTTP host module: only then is it served to the task. */
  usesHttp: boolean;
  /** Whether a module defines a memory it does not export: what it holds at the end is unknown. */
  hidesMemory: boolean;
}

/** Compiled modules that define a memory they do not export (see `WasmProgram.hidesMemory`). */
const hidingMemory = new WeakSet<object>();

/**
 * Loads the entry module and its imports. `limitPages` caps each module's memory (see memory-limit.ts);
 * `httpModule`: the task may import Bacalhau's HTTP host module (http-requests.ts).
 * @throws BacalhauError ModuleNotFound, ModuleCompileError, UnknownModuleError, ModuleLoadError,
 *   EntrypointError, MemoryLimitError.
 */
export async function loadProgram(
  spec: WasmEngineSpec,
  volumes: readonly PreparedVolume[],
  limitPages: number | undefined,
  httpModule = false,
): Promise<WasmProgram> {
  /** The functions of the host's modules, by module name. */
  const hostModules = new Map<string, ReadonlySet<string>>([[WasiModuleName, WasiFunctions]]);
  if (httpModule) hostModules.set(HttpModuleName, new Set([HttpFunctionName]));
  const compiled = new Map<string, Promise<object>>();
  const load = (field: string, path: string): Promise<object> => {
    let module = compiled.get(path);
    if (module === undefined) {
      module = compileFile(field, path, volumes, limitPages);
      compiled.set(path, module);
    }
    return module;
  };

  /** Each dependency's exports by name, listed once however many of them its importers use. */
  const exportKinds = new Map<string, Promise<ReadonlyMap<string, string>>>();
  const exportedKind = async (field: string, path: string, name: string): Promise<string | undefined> => {
    let kinds = exportKinds.get(path);
    if (kinds === undefined) {
      kinds = load(field, path).then(
        (module) => new Map(WebAssemblyApi.Module.exports(module).map((e) => [e.name, e.kind])),
      );
      exportKinds.set(path, kinds);
    }
    return (await kinds).get(name);
  };

  const dependencies: NamedModule[] = [];
  const placed = new Set<string>();
  let usesHttp = false;
  // depth-first: a module is placed after everything it imports; `visiting` stops import cycles
  const place = async (field: string, name: string, module: object, visiting: Set<string>): Promise<void> => {
    const imports = WebAssemblyApi.Module.imports(module);
    for (const importedName of new Set(imports.map((i) => i.module))) {
      if (hostModules.has(importedName) || placed.has(importedName)) continue;
      if (visiting.has(importedName)) throw importCycle([...visiting, importedName]);
      if (!isListedOrMounted(importedName, spec, volumes)) throw unknownModule(name, importedName);
      const imported = await load(`${field} import`, importedName);
      await place(field, importedName, imported, new Set([...visiting, importedName]));
      dependencies.push({ name: importedName, module: imported });
      placed.add(importedName);
    }
    // linked here, not at instantiation in the worker: a mismatch is refused before the task runs
    for (const wanted of imports) {
      const host = hostModules.get(wanted.module);
      if (wanted.module === HttpModuleName) usesHttp = true;
      const offered =
        host !== undefined
          ? host.has(wanted.name)
            ? 'function'
            : undefined
          : await exportedKind(`${field} import`, wanted.module, wanted.name);
      if (offered !== wanted.kind) throw unresolvedImport(field, name, wanted, offered);
    }
  };

  for (const path of spec.ImportModules) {
    if (placed.has(path)) continue;
    const module = await load('ImportModules', path);
    await place('ImportModules', path, module, new Set([path]));
    dependencies.push({ name: path, module });
    placed.add(path);
  }
  const entry = await load('EntryModule', spec.EntryModule);
  await place('EntryModule', spec.EntryModule, entry, new Set([spec.EntryModule]));
  const hasEntrypoint = WebAssemblyApi.Module.exports(entry).some(
    (e) => e.name === spec.Entrypoint && e.kind === 'function',
  );
  if (!hasEntrypoint) throw entrypointError(spec.Entrypoint, spec.EntryModule);
  const hidesMemory = [...dependencies.map((d) => d.module), entry].some((m) => hidingMemory.has(m));
  return { dependencies, entry, usesHttp, hidesMemory };
}

/** Go resolves an unknown import name as a path in the task's file system; so do we. */
function isListedOrMounted(name: string, spec: WasmEngineSpec, volumes: readonly PreparedVolume[]): boolean {
  return (
    spec.ImportModules.includes(name) ||
    (hostPathOf(name, volumes) ?? mountedBelow(name, volumes)) !== undefined
  );
}

/** The host path behind `guestPath`: inside the input whose target is the longest prefix of it. */
export function hostPathOf(guestPath: string, volumes: readonly PreparedVolume[]): string | undefined {
  return mountOf(guestPath, volumes)?.path;
}

/** The input whose target is the longest prefix of `guestPath`, and the host path behind it. */
function mountOf(
  guestPath: string,
  volumes: readonly PreparedVolume[],
): { volume: PreparedVolume; path: string } | undefined {
  const wanted = posix.resolve('/', guestPath);
  let best: PreparedVolume | undefined;
  for (const volume of volumes) {
    const target = posix.resolve('/', volume.target);
    const inside = isInsideFolder(wanted, target);
    if (inside && (best === undefined || target.length > posix.resolve('/', best.target).length)) {
      best = volume;
    }
  }
  if (best === undefined) return undefined;
  return { volume: best, path: join(best.source, posix.relative(posix.resolve('/', best.target), wanted)) };
}

/** Modules up to this size are compiled on the spot; bigger ones off the main thread. */
const SyncCompileBytes = 64 * 1024;

async function compileFile(
  field: string,
  guestPath: string,
  volumes: readonly PreparedVolume[],
  limitPages: number | undefined,
): Promise<object> {
  const bytes = await moduleBytes(field, guestPath, volumes);
  const capped = deferStart(capMemory(bytes, limitPages));
  let module: object;
  try {
    // a small module compiles in microseconds: at once, rather than a round trip through the loop
    module =
      capped.length <= SyncCompileBytes
        ? new WebAssemblyApi.Module(capped)
        : await WebAssemblyApi.compile(capped);
  } catch (err) {
    throw moduleCompileError(field, guestPath, err);
  }
  const exportsMemory = WebAssemblyApi.Module.exports(module).some((e) => e.kind === 'memory');
  if (!exportsMemory && definesMemory(capped)) hidingMemory.add(module);
  return module;
}

/**
 * The bytes of the module file behind `guestPath`; a folder must hold exactly one `.wasm` file (as in
 * Go), or one file only. Read without asking first what the path is: a file, the common case, costs no
 * extra call.
 */
async function moduleBytes(
  field: string,
  guestPath: string,
  volumes: readonly PreparedVolume[],
): Promise<Buffer> {
  const mount = mountOf(guestPath, volumes);
  const hostPath = mount?.path ?? mountedBelow(guestPath, volumes);
  if (hostPath === undefined) {
    const below = wasmMountsIn(guestPath, volumes).length;
    throw moduleNotFound(
      field,
      guestPath,
      below > 1 ? `${below} .wasm inputs are mounted in it: name one of them` : 'no input has this target',
    );
  }
  // Read on the host, where every link is followed: one in a mounted folder must not take the loader
  // where the task's own path checks (path-guard.ts) would not let it go. A folder's files that are
  // links are passed over below (they are not files).
  if (mount !== undefined && mount.path !== mount.volume.source) {
    await assertInside(field, guestPath, mount.path, mount.volume.source);
  }
  try {
    return await readSmallFile(hostPath);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw moduleNotFound(field, guestPath, 'the input has no such file');
    }
    if (code !== 'EISDIR') throw err;
  }
  const files = (await readdir(hostPath, { withFileTypes: true })).filter((e) => e.isFile());
  const wasmFiles = files.filter((e) => e.name.endsWith('.wasm'));
  // Beyond Go: a folder holding one file only, whatever its name. `wasm run ./main` uploads a module
  // over 512 bytes as a tar of that file, so without this its name would decide whether it runs.
  const module = wasmFiles.length === 0 && files.length === 1 ? files[0] : wasmFiles[0];
  if (module === undefined || wasmFiles.length > 1) {
    throw moduleNotFound(field, guestPath, `the folder holds ${wasmFiles.length} .wasm files, not one`);
  }
  return readSmallFile(join(hostPath, module.name));
}

/**
 * A folder made of mounts: a `urlDownload` input is mounted at `<Target>/<file name>`, so its Target
 * is a folder holding the one file, and Go's loader takes the folder's only `.wasm` file. Undefined
 * unless exactly one `.wasm` input is mounted directly in `guestPath`.
 */
function mountedBelow(guestPath: string, volumes: readonly PreparedVolume[]): string | undefined {
  const inside = wasmMountsIn(guestPath, volumes);
  return inside.length === 1 ? inside[0]!.source : undefined;
}

/** The `.wasm` inputs mounted directly in the folder `guestPath`. */
function wasmMountsIn(guestPath: string, volumes: readonly PreparedVolume[]): PreparedVolume[] {
  const folder = posix.resolve('/', guestPath);
  return volumes.filter(
    (v) => posix.dirname(posix.resolve('/', v.target)) === folder && v.target.endsWith('.wasm'),
  );
}

/** Refuses `path` unless, links resolved, it is `root` or inside it. */
async function assertInside(field: string, guestPath: string, path: string, root: string): Promise<void> {
  let real: string, realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(path), realpath(root)]);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw moduleNotFound(field, guestPath, 'the input has no such file');
    }
    throw err;
  }
  if (!isInsideFolder(real, realRoot)) {
    throw moduleNotFound(field, guestPath, 'a link there leads out of its input');
  }
}

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}
