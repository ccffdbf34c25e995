/**
 * Bacalhau's `LegacyWasmModuleTransformer` (`transformer/wasm_legacy.go`), in models so that `job
 * validate` converts a spec as a submission does before checking its engine params. Older clients put the WASM
 * modules themselves in the engine params, as input-source objects:
 *
 *   Engine: {Type: wasm, Params: {EntryModule: {Source: {Type: inline, Params: {URL: …}}, Target: ""},
 *                                 ImportModules: [{Source: …}], EntryPoint: _start, Parameters: […]}}
 *
 * Current executors expect the modules as task input sources and the params to name their targets:
 *
 *   InputSources: [{Source: …, Target: /wasm/entry.wasm}, {Source: …, Target: /wasm/imports/module_0.wasm}]
 *   Engine.Params: {EntryModule: /wasm/entry.wasm, Entrypoint: _start, Parameters: […], ImportModules: […]}
 *
 * A module's own non-empty Target is kept. Params in the current form (EntryModule a non-empty string)
 * are left alone. As in Go, params other than the four above are dropped from a converted spec, keys
 * match case-insensitively (Go's JSON decoding), and empty lists come out as `null` (Go's nil slices).
 *
 * Deliberate difference: a malformed legacy module is a ValidationError (HTTP 400) naming the module;
 * Go returns an unclassified error (HTTP 500).
 */
import { BacalhauError, ErrorCode } from '../bacerrors.js';
import { decodeStruct, getField as lookup, isPlainObject } from '../codec.js';
import { Engine } from '../constants.js';
import { validateInputSource, type InputSource } from '../input-source.js';
import type { Job } from '../job.js';
import { stringListParam, stringParam } from '../param-values.js';
import { inputSourceSchema } from '../schemas.js';
import { isSpecType } from '../spec-config.js';
import type { Task } from '../task.js';
import { LegacyWasmEntryTarget, legacyWasmImportTarget } from './legacy.js';

function invalid(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ValidationError, component: 'JobTransformer' });
}

/** A module object as an input source, its target defaulted, checked as Go's `InputSource.Validate`. */
function moduleInput(
  raw: Record<string, unknown>,
  defaultTarget: string,
  what: string,
  path: string,
): InputSource {
  const decoded = decodeStruct<InputSource>(raw, inputSourceSchema(), path);
  if (decoded.errors.length > 0) throw invalid(`invalid ${what}: ${decoded.errors.join('; ')}`);
  const input: InputSource = {
    ...(decoded.value.Source === undefined ? {} : { Source: decoded.value.Source }),
    Alias: decoded.value.Alias,
    Target: decoded.value.Target === '' ? defaultTarget : decoded.value.Target,
  };
  const problems = validateInputSource(input);
  if (problems.length > 0) throw invalid(`invalid ${what}: ${problems.join('; ')}`);
  return input;
}

function optionalString(value: unknown, name: string): string {
  return stringParam(value, () => invalid(`invalid wasm engine params: ${name} must be a string`));
}

function optionalStrings(value: unknown, name: string): string[] | null {
  const list = stringListParam(value, () =>
    invalid(`invalid wasm engine params: ${name} must be a list of strings`),
  );
  return list.length === 0 ? null : [...list];
}

function convertTask(task: Task): Task {
  const engine = task.Engine;
  if (engine === undefined || !isSpecType(engine, Engine.Wasm)) return task;
  const params = engine.Params ?? {};
  const entry = lookup(params, 'EntryModule');
  const imports = lookup(params, 'ImportModules');
  const importList: unknown[] = Array.isArray(imports) ? imports : [];

  // Already the current form, or nothing legacy to convert.
  if (!isPlainObject(entry) && !importList.some(isPlainObject)) return task;
  if (entry !== undefined && entry !== null && !isPlainObject(entry)) {
    throw invalid('invalid wasm engine params: EntryModule must be an input source when ImportModules are');
  }
  if (imports !== undefined && imports !== null && !Array.isArray(imports)) {
    throw invalid('invalid wasm engine params: ImportModules must be a list of input sources');
  }

  const added: InputSource[] = [];
  let entryModule = '';
  if (isPlainObject(entry)) {
    const input = moduleInput(entry, LegacyWasmEntryTarget, 'entry module', 'EntryModule');
    added.push(input);
    entryModule = input.Target;
  }
  const importTargets: string[] = [];
  importList.forEach((module, i) => {
    // A null module is skipped, as Go skips a nil pointer.
    if (module === null) return;
    if (!isPlainObject(module)) throw invalid(`invalid import module ${i}: expected an input source`);
    const input = moduleInput(module, legacyWasmImportTarget(i), `import module ${i}`, `ImportModules[${i}]`);
    added.push(input);
    importTargets.push(input.Target);
  });

  return {
    ...task,
    Engine: {
      ...engine,
      // The keys and order of Go's `structs.Map(wasmmodels.EngineSpec{…})`.
      Params: {
        EntryModule: entryModule,
        Entrypoint: optionalString(lookup(params, 'EntryPoint'), 'EntryPoint'),
        Parameters: optionalStrings(lookup(params, 'Parameters'), 'Parameters'),
        ImportModules: importTargets.length === 0 ? null : importTargets,
      },
    },
    InputSources: [...(task.InputSources ?? []), ...added],
  };
}

/**
 * The job with its legacy WASM tasks converted; returned as it is when no task's engine is `wasm`.
 * Throws a ValidationError for a malformed legacy module.
 */
export function convertLegacyWasmModules(job: Job): Job {
  return job.Tasks.some((task) => task.Engine !== undefined && isSpecType(task.Engine, Engine.Wasm))
    ? { ...job, Tasks: job.Tasks.map(convertTask) }
    : job;
}
