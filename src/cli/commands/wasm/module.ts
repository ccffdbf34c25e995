/**
 * Where a WASM module named on the command line comes from (Bacalhau's `parseWasmModule`): a storage
 * URI (`s3://…`, `https://…`, optionally `:target`; a URL with a port is all URL), a local file
 * (`path[:target]`, uploaded inline), or
 * — when neither — the target path of a module already given with `-i`.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { parseStorageSpec, type InputSourceWire } from '../../flags/storage-spec.js';
import { inlineSource } from './inline-upload.js';

/**
 * `https://host:8080/m.wasm`: what follows the last colon is the port, not a `:target` (Go takes it for
 * one and fails at run time); the whole URL is the module, at the default target. `failure` is
 * rethrown for anything else wrong with the URL.
 */
function urlWithPort(spec: string, defaultTarget: string, failure: unknown): InputSourceWire {
  try {
    return parseStorageSpec(`src=${spec},dst=${defaultTarget}`, defaultTarget);
  } catch {
    throw failure;
  }
}

/** The input that brings the module, or undefined when `spec` names a target path. */
export async function wasmModuleInput(
  spec: string,
  defaultTarget: string,
  cwd: string,
): Promise<InputSourceWire | undefined> {
  try {
    return parseStorageSpec(spec, defaultTarget);
  } catch (err) {
    // A URL is never a file or a target path: its problem is the user's to see.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return urlWithPort(spec, defaultTarget, err);
    // not a storage URI: a local file or a target path
  }
  const parts = spec.split(':');
  const [file, target] = parts.length === 2 ? [parts[0] ?? '', parts[1] ?? ''] : [spec, defaultTarget];
  const path = resolve(cwd, file);
  let regular: boolean;
  try {
    regular = (await stat(path)).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!regular) {
    throw new BacalhauError(`${JSON.stringify(file)} should point to a single file`, {
      code: ErrorCode.BadRequest,
      component: 'CLI',
    });
  }
  return { Source: await inlineSource(path), Alias: '', Target: target };
}
