/**
 * Writing one key into a config file (`bacalhau config set`): the key and value are validated first; the
 * rest of the file — other keys, comments, the spelling of existing keys — is kept.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { writeFileAtomically } from '../lib/atomic-write.js';
import { dirname } from 'node:path';
import { Document, isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';
import { problemsError } from './errors.js';
import { encodingProblem, unknownKeyProblem, yamlErrorProblem } from './file.js';
import { yamlText, YamlEncodingError } from '../models/jobspec/yaml-text.js';
import { findKey } from './keys.js';
import { absPath, dataDirProblem } from './paths.js';
import type { ConfigKey } from './schema.js';
import { fromArgs } from './values.js';
import { makeFolderNow } from '../lib/quick-fs.js';

export interface SetValueOptions {
  /** The config file to update; created (with its directory) when missing. */
  readonly path: string;
  /** The key, in any case (`api.port`). */
  readonly key: string;
  /** The value as given on the command line; several values make a list. */
  readonly values: readonly string[];
  /** For relative `DataDir` values. */
  readonly cwd: string;
  readonly home: string;
  readonly binName?: string;
}

/**
 * Parses `values` for `key` and writes the result into the file at `path`. Throws a ValidationError for an
 * unknown key or ill-typed value (nothing is written), a ConfigurationError for an unparsable file.
 */
export function setConfigFileValue(options: SetValueOptions): { key: ConfigKey; value: unknown } {
  const { value, key } = parseSetValue(options);
  const doc = readDocument(options.path);
  setIn(doc, key.split('.'), value);
  writeConfigFile(options.path, doc.toString({ lineWidth: 0 }));
  return { key, value };
}

/**
 * Writes the file whole (a new file renamed over it: a crash or a full disk leaves the old one), but
 * where Go's writer would write: through a link to the file it names (a config kept with one's
 * dotfiles stays linked), and in place when its folder takes no new file but the file may be written.
 * @throws BacalhauError IOError naming the file, when neither works
 */
function writeConfigFile(path: string, text: string): void {
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // not there yet: created where named
  }
  try {
    // the data dir holds secrets (keys, tokens): not open to others, whatever the umask
    makeFolderNow(dirname(real), 0o700);
    writeFileAtomically(real, text, 0o600);
  } catch (err) {
    if (isPermissionError(err) && writeInPlace(real, text)) return;
    throw new BacalhauError(`cannot write the config file ${path}: ${errorMessage(err)}`, {
      code: ErrorCode.IOError,
      component: 'Config',
      hint: `check that ${dirname(real)} and the file itself may be written by this user`,
      cause: err,
    });
  }
}

function isPermissionError(err: unknown): boolean {
  return ['EACCES', 'EPERM', 'EROFS'].includes((err as NodeJS.ErrnoException).code ?? '');
}

/** Truncates and writes an existing file, as Go's writer does; false when that is refused too. */
function writeInPlace(path: string, text: string): boolean {
  try {
    // 'w' (O_TRUNC) needs no right on the folder for a file that is there
    writeFileSync(path, text, { flag: 'w' });
    return true;
  } catch {
    return false;
  }
}

/** Validates a `config set` key and value without writing anything. */
export function parseSetValue(options: SetValueOptions): { key: ConfigKey; value: unknown } {
  const spec = findKey(options.key);
  if (spec === undefined) {
    throw problemsError([unknownKeyProblem(options.key, options.binName ?? 'bacalhau')], {
      code: ErrorCode.ValidationError,
    });
  }
  const parsed = fromArgs(spec, options.values);
  if (!parsed.ok) throw problemsError(parsed.problems, { code: ErrorCode.ValidationError });
  let value = parsed.value;
  if (spec.key === 'DataDir') {
    value = absPath(String(value), options.cwd, options.home);
    const problem = dataDirProblem(String(value));
    if (problem !== undefined) throw problemsError([problem], { code: ErrorCode.ValidationError });
  }
  return { key: spec.key, value };
}

function readDocument(path: string): Document {
  let text: string;
  try {
    // yamlText refuses bytes that are not text, which a rewrite would otherwise turn into U+FFFD
    text = yamlText(readFileSync(path));
  } catch (err) {
    if (err instanceof YamlEncodingError) {
      throw problemsError([encodingProblem(err)], { subject: `config file ${JSON.stringify(path)}` });
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Document({});
    throw new BacalhauError(`reading config file ${JSON.stringify(path)}: ${(err as Error).message}`, {
      code: ErrorCode.IOError,
      component: 'config',
      cause: err,
    });
  }
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) {
    throw problemsError(doc.errors.map(yamlErrorProblem), { subject: `config file ${JSON.stringify(path)}` });
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    doc.contents = doc.createNode({});
  }
  if (!isMap(doc.contents)) {
    throw new BacalhauError(`config file ${JSON.stringify(path)} does not contain a mapping of config keys`, {
      code: ErrorCode.ConfigurationError,
      component: 'config',
    });
  }
  return doc;
}

/** Sets a value at a path of canonical names, reusing existing keys that match case-insensitively. */
function setIn(doc: Document, path: readonly string[], value: unknown): void {
  let map = doc.contents as YAMLMap;
  path.forEach((name, i) => {
    const pair = map.items.find(
      (p) => isScalar(p.key) && String(p.key.value).toLowerCase() === name.toLowerCase(),
    );
    const last = i === path.length - 1;
    if (last) {
      if (pair) pair.value = doc.createNode(value);
      else map.add(doc.createPair(name, value));
      return;
    }
    if (pair && isMap(pair.value)) {
      map = pair.value;
      return;
    }
    const child = doc.createNode({}) as YAMLMap;
    if (pair) pair.value = child;
    else map.add(doc.createPair(name, child));
    map = child;
  });
}
