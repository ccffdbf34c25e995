/**
 * The WASM executor's errors (Go `pkg/executor/wasm/errors.go`): each names the job field at fault and
 * says how to fix it.
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import {
  tooManyWasmFolders,
  TooManyWasmFoldersHint,
  wasmBuildHint,
  WasmComponent,
} from '../../models/engines/wasm.js';

function wasmError(message: string, code: ErrorCode, hint: string, cause?: unknown): BacalhauError {
  return new BacalhauError(message, {
    code,
    component: WasmComponent,
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

export function moduleNotFound(field: string, path: string, why: string): BacalhauError {
  return wasmError(
    `${field}: WASM module not found at ${JSON.stringify(path)}: ${why}`,
    ErrorCode.ModuleNotFound,
    `Make ${field} the Target of one of the task's InputSources (or a file inside one); a folder must ` +
      'hold exactly one .wasm file',
  );
}

export function moduleCompileError(field: string, path: string, cause: unknown): BacalhauError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return wasmError(
    `${field}: ${JSON.stringify(path)} is not a valid WebAssembly module: ${detail}`,
    ErrorCode.ModuleCompileError,
    wasmBuildHint(field),
    cause,
  );
}

export function unknownModule(importer: string, name: string): BacalhauError {
  return wasmError(
    `module ${JSON.stringify(importer)} imports from unknown module ${JSON.stringify(name)}`,
    ErrorCode.UnknownModuleError,
    name === 'wasi:http/requests'
      ? 'Bacalhau\'s HTTP module is there only for a task with a network: set Task.Network.Type (e.g. "Host", ' +
          'or "HTTP" with Domains) instead of "None"'
      : 'Imports must come from "wasi_snapshot_preview1" or from a module listed in ImportModules (or an ' +
          'input whose Target equals the import name)',
  );
}

/** `path`: the modules from the first importer to the module it imports again, which ends it. */
export function importCycle(path: readonly string[]): BacalhauError {
  const again = path.at(-1) ?? '';
  const [first = '', ...rest] = path.slice(path.indexOf(again)).map((m) => JSON.stringify(m));
  const chain = rest.map((m, i) => `${i === 0 ? ' imports from ' : ', which imports from '}${m}`).join('');
  return wasmError(
    `modules import each other: ${first}${chain}`,
    ErrorCode.UnknownModuleError,
    'WebAssembly modules that import from each other cannot be linked: merge them, or move what they ' +
      'share into a module that imports from neither',
  );
}

/** What a module imports, by module, name and kind (function, memory, table, global). */
interface ImportDescriptor {
  module: string;
  name: string;
  kind: string;
}

/**
 * An import the module it names does not provide (Go's ModuleLoadError, which wazero reports when
 * it links the module); `offered` is the kind it provides under that name instead, if any.
 */
export function unresolvedImport(
  field: string,
  importer: string,
  wanted: ImportDescriptor,
  offered: string | undefined,
): BacalhauError {
  const which = `${wanted.kind} ${JSON.stringify(wanted.name)} from ${JSON.stringify(wanted.module)}`;
  const why =
    offered !== undefined
      ? `it exports ${JSON.stringify(wanted.name)} as a ${offered}`
      : wanted.module === 'wasi_snapshot_preview1'
        ? 'WASI preview1 has no such function'
        : 'it exports nothing by that name';
  return wasmError(
    `${field}: failed to load module at ${JSON.stringify(importer)}: it imports ${which}, but ${why}`,
    ErrorCode.ModuleLoadError,
    'Build the module against WASI preview1 (wasi_snapshot_preview1) and the ImportModules given; ' +
      'an import must name something its module exports',
  );
}

export function entrypointError(entrypoint: string, entryModule: string): BacalhauError {
  return wasmError(
    `Entrypoint: unable to find the entrypoint '${entrypoint}' in the WASM module ${JSON.stringify(entryModule)}`,
    ErrorCode.EntrypointError,
    'Set Entrypoint to an exported function that takes and returns nothing, or leave it empty for _start',
  );
}

export function memoryLimitError(message: string): BacalhauError {
  return wasmError(
    message,
    ErrorCode.MemoryLimitError,
    "Set Task.Resources.Memory between the module's " +
      'initial memory and 4 GiB (WASM memory comes in 64 KiB pages)',
  );
}

export function tableLimitError(message: string): BacalhauError {
  return wasmError(
    message,
    ErrorCode.MemoryLimitError,
    'Declare smaller tables: what a task may grow them to is capped, as its memory is',
  );
}

export function inputConfigError(
  problem: string,
  hint = 'Give every InputSource its own Target; a file input cannot sit in a folder that another input provides',
): BacalhauError {
  return wasmError(`input configuration error: ${problem}`, ErrorCode.InputConfigError, hint);
}

export function outputConfigError(problem: string): BacalhauError {
  return wasmError(
    `output configuration error: ${problem}`,
    ErrorCode.OutputConfigError,
    'Give every ResultPath a plain Name (one folder name, not stdout, stderr or exitCode) and an absolute Path that no InputSource Target uses',
  );
}

/** `modules` modules would each open `folders` preopened folders: more than one task may (see MaxWasmOpenFolders). */
export function tooManyFolders(modules: number, folders: number): BacalhauError {
  return wasmError(
    `input configuration error: ${tooManyWasmFolders(modules, folders)}`,
    ErrorCode.InputConfigError,
    TooManyWasmFoldersHint,
  );
}
