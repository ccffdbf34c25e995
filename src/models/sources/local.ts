/** The parameters of a local input (Go's `local.Source` and `CreateStrategy`). */
import { StorageSource } from '../constants.js';
import type { InputSource } from '../input-source.js';
import { paramError } from './errors.js';
import { param, requiredStringParam, sourceParams } from './params.js';

export const CreateStrategies = ['dir', 'file', 'noCreate'] as const;
export type CreateStrategy = (typeof CreateStrategies)[number];

export interface LocalSource {
  readonly sourcePath: string;
  readonly readWrite: boolean;
  readonly createAs: CreateStrategy;
}

const pathHint = 'Give the absolute host path to mount, e.g. "/data/inputs".';

export function decodeLocalSource(input: InputSource): LocalSource {
  const params = sourceParams(input, [StorageSource.Local, StorageSource.LocalDirectory]);
  const sourcePath = requiredStringParam(params, 'SourcePath', pathHint);
  // Go's filepath.IsAbs on the Linux nodes it runs on
  if (!sourcePath.startsWith('/'))
    throw paramError('SourcePath', `"${sourcePath}" is not an absolute path`, { hint: pathHint });
  if (sourcePath.split('/').includes('..')) {
    throw paramError('SourcePath', `"${sourcePath}" contains ".."`, {
      hint: 'Give the path without ".." segments.',
    });
  }
  return {
    sourcePath,
    readWrite: readWriteParam(param(params, 'ReadWrite')),
    createAs: createAsParam(param(params, 'CreateAs')),
  };
}

/** The creation strategy is only consulted for writable inputs that do not exist yet. */
export function mayCreate(source: LocalSource): boolean {
  return source.readWrite && source.createAs !== 'noCreate';
}

/** A boolean, or the strings "true" / "false" that YAML and the CLI's key=value flags produce. */
function readWriteParam(value: unknown): boolean {
  if (value === undefined || value === null || typeof value === 'boolean') return value === true;
  if (typeof value === 'string' && /^(true|false|)$/i.test(value.trim()))
    return value.trim().toLowerCase() === 'true';
  throw paramError('ReadWrite', `must be true or false, got ${JSON.stringify(value)}`, {
    hint: 'Set ReadWrite to true to let the job write to the path, or leave it out.',
  });
}

function createAsParam(value: unknown): CreateStrategy {
  if (value === undefined || value === null || value === '') return 'noCreate';
  const strategy = CreateStrategies.find(
    (s) => typeof value === 'string' && s.toLowerCase() === value.toLowerCase(),
  );
  if (strategy !== undefined) return strategy;
  throw paramError('CreateAs', `invalid value ${JSON.stringify(value)}`, {
    hint: `CreateAs must be one of [${CreateStrategies.join(', ')}].`,
  });
}
