/**
 * The WASM engine params (Go `pkg/executor/wasm/models.EngineSpec`). Keys match case-insensitively,
 * as Go's JSON decoding of the params map does.
 */
import type { SpecConfig } from '../../models/spec-config.js';
import { specError } from './errors.js';

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

export function decodeWasmSpec(engine: SpecConfig): WasmEngineSpec {
  const params = engine.Params ?? {};
  const get = (key: string): unknown =>
    Object.entries(params).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  const entryModule = get('EntryModule');
  if (typeof entryModule !== 'string' || entryModule.trim() === '') {
    throw specError('EntryModule is required: the target path of the input holding the module');
  }
  const entrypoint = get('Entrypoint') ?? '';
  if (typeof entrypoint !== 'string') throw specError('Entrypoint must be a string');
  return {
    EntryModule: entryModule,
    Entrypoint: entrypoint === '' ? DefaultEntrypoint : entrypoint,
    Parameters: stringList(get('Parameters'), 'Parameters'),
    ImportModules: stringList(get('ImportModules'), 'ImportModules'),
  };
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw specError(`${field} must be a list of strings`);
  }
  return value;
}
