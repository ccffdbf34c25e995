/**
 * The WASM engine params (Go `pkg/executor/wasm/models.EngineSpec`). Keys match case-insensitively,
 * as Go's JSON decoding of the params map does. In models for the same reason as docker.ts.
 */
import { BacalhauError, ErrorCode } from '../bacerrors.js';
import { paramReader } from '../param-values.js';
import type { SpecConfig } from '../spec-config.js';

/** The component of the WASM executor's errors. */
export const WasmComponent = 'WASM';

/** What to do about a module that is not one: for the executor's error and the submission check. */
export function wasmBuildHint(field: string): string {
  return (
    `Point ${field} at a .wasm binary built for wasm32-wasi (WASI preview1), e.g. with ` +
    '`clang --target=wasm32-wasi`, `cargo build --target wasm32-wasip1` or `GOOS=wasip1 GOARCH=wasm go build`'
  );
}

/**
 * Folders the WASM executor opens for one task, at most. Every module of the task (the entry and each
 * of ImportModules) opens each mounted folder anew (an input's, or its file inputs' folder, and two per
 * result path: at its Path and at /<Name>), and each stays open until the task ends. Beyond Go, which
 * sets no limit: a task mounting thousands of folders would take the node's file descriptors from
 * every other execution.
 */
export const MaxWasmOpenFolders = 4096;

/** Why a task that would open `folders` folders for each of its `modules` modules is refused. */
export function tooManyWasmFolders(modules: number, folders: number): string {
  const opened =
    modules === 1
      ? `it would open its ${folders} mounted folders`
      : `its ${modules} modules would open ${modules * folders} folders (each opens the ${folders} mounted ones)`;
  return `${opened}, more than the ${MaxWasmOpenFolders} the WASM executor opens for one task`;
}

/** What to do about it. */
export const TooManyWasmFoldersHint =
  'Mount fewer folders (put the inputs in one folder, or an archive) or name fewer result paths, or import fewer modules';

export interface WasmEngineSpec {
  /** Target path of the input holding the module to run. */
  EntryModule: string;
  /** Exported function taking and returning nothing; `_start` for WASI commands. */
  Entrypoint: string;
  /** argv[1..]; argv[0] is empty, as in Bacalhau. */
  Parameters: string[];
  /** Target paths of modules whose exports the entry module imports, by that path as module name. */
  ImportModules: string[];
}

export const DefaultEntrypoint = '_start';

/** The params, decoded; throws one error listing every problem found. */
export function decodeWasmSpec(engine: SpecConfig): WasmEngineSpec {
  const problems: string[] = [];
  const params = paramReader(engine.Params ?? {}, problems);
  const entryModule = params.string(
    'EntryModule',
    (given) => `EntryModule must be a string (the target path of the input holding the module), not ${given}`,
  );
  // (one of the wrong type was said so already)
  if (entryModule.trim() === '' && problems.length === 0) {
    problems.push('EntryModule is required: the target path of the input holding the module');
  }
  const entrypoint = params.string('Entrypoint', (given) => `Entrypoint must be a string, not ${given}`);
  const list = (key: string): string[] =>
    params.list(key, (given) => `${key} must be a list of strings, not ${given}`);
  const spec: WasmEngineSpec = {
    EntryModule: entryModule,
    Entrypoint: entrypoint === '' ? DefaultEntrypoint : entrypoint,
    Parameters: list('Parameters'),
    ImportModules: list('ImportModules'),
  };
  if (problems.length > 0) throw specError(problems);
  return spec;
}

/** Bad `Task.Engine.Params`, a line each. */
function specError(problems: readonly string[]): BacalhauError {
  return new BacalhauError(problems.map((p) => `invalid WASM engine params: ${p}`).join('\n'), {
    code: ErrorCode.ExecutorSpecValidationErr,
    component: WasmComponent,
    hint:
      'Set Task.Engine.Params.EntryModule to the Target of an input holding the module; Entrypoint, ' +
      'Parameters and ImportModules are optional (a string and two lists of strings)',
  });
}
