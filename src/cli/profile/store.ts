/**
 * CLI connection profiles, stored as Bacalhau stores them: `<DataDir>/profiles/<name>.yaml` (mode 0600,
 * yaml.v3 layout: struct order, 4-space indent, empty fields left out) and a `current` symlink to the
 * selected profile's file. Files written by Go's `bacalhau profile` are read, and the other way round.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { writeFileAtomically } from '../../lib/atomic-write.js';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { isPlainObject } from '../../models/codec.js';
import { parseDuration } from '../../models/duration.js';

export interface Profile {
  endpoint?: string;
  description?: string;
  /** A Go duration, e.g. `30s`. */
  timeout?: string;
  auth?: { token?: string };
  tls?: { insecure?: boolean };
}

export const DefaultProfileTimeout = '30s';
const Extension = '.yaml';
const Current = 'current';

function profileError(message: string, code: ErrorCode = ErrorCode.BadRequest): BacalhauError {
  return new BacalhauError(message, { code, component: 'CLI' });
}

/** Go's `Profile.Validate`. */
export function validateProfile(p: Profile): void {
  if ((p.endpoint ?? '').trim() === '') throw profileError('endpoint is required');
  if (p.timeout !== undefined && p.timeout !== '') {
    try {
      parseDuration(p.timeout);
    } catch (err) {
      throw profileError(`invalid timeout ${JSON.stringify(p.timeout)}: ${(err as Error).message}`);
    }
  }
}

/** A profile's fields from YAML, ignoring anything of the wrong type, as a lenient decoder would. */
function fromYaml(raw: unknown): Profile {
  if (!isPlainObject(raw)) return {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const p: Profile = {};
  const set = <K extends keyof Profile>(key: K, value: Profile[K] | undefined): void => {
    if (value !== undefined) p[key] = value;
  };
  set('endpoint', text(raw['endpoint']));
  set('description', text(raw['description']));
  set('timeout', text(raw['timeout']));
  const token = isPlainObject(raw['auth']) ? text(raw['auth']['token']) : undefined;
  set('auth', token === undefined ? undefined : { token });
  const insecure = isPlainObject(raw['tls']) && raw['tls']['insecure'] === true;
  set('tls', insecure ? { insecure } : undefined);
  return p;
}

export class ProfileStore {
  constructor(readonly dir: string) {}

  static forDataDir(dataDir: string): ProfileStore {
    return new ProfileStore(join(dataDir, 'profiles'));
  }

  /** Bacalhau's name sanitising: the last path element, with `..` replaced, so names stay in the folder. */
  #path(name: string): string {
    return join(this.dir, basename(name).replaceAll('..', '_') + Extension);
  }

  #checkName(name: string): void {
    if (name.trim() === '') throw profileError('profile name cannot be empty');
  }

  exists(name: string): boolean {
    return name.trim() !== '' && existsSync(this.#path(name));
  }

  load(name: string): Profile {
    this.#checkName(name);
    let text: string;
    try {
      text = readFileSync(this.#path(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw profileError(`profile ${JSON.stringify(name)} not found`, ErrorCode.NotFound);
      }
      throw BacalhauError.wrap(err, 'reading profile file');
    }
    try {
      return fromYaml(parse(text));
    } catch (err) {
      // every client command loads the selected profile: say which file stops them, and the way out
      throw BacalhauError.wrap(err, `parsing profile ${JSON.stringify(name)} (${this.#path(name)})`, {
        hint:
          `Fix the file, or remove the profile with 'bacalhau profile delete ${name}' and save it ` +
          'again with bacalhau profile save.',
      });
    }
  }

  save(name: string, profile: Profile): void {
    this.#checkName(name);
    try {
      validateProfile(profile);
    } catch (err) {
      throw BacalhauError.wrap(err, 'invalid profile');
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const ordered = fromYaml(profile); // yaml.v3 writes fields in struct order, empty ones left out
    writeFileAtomically(this.#path(name), stringify(ordered, { indent: 4, lineWidth: 0 }), 0o600);
  }

  delete(name: string): void {
    this.#checkName(name);
    if (this.current() === name) rmSync(join(this.dir, Current), { force: true });
    try {
      rmSync(this.#path(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw profileError(`profile ${JSON.stringify(name)} not found`, ErrorCode.NotFound);
      }
      throw BacalhauError.wrap(err, 'deleting profile');
    }
  }

  /** Profile names, in file-name order. */
  list(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw BacalhauError.wrap(err, 'reading profiles directory');
    }
    return entries
      .filter((f) => f !== Current && f.endsWith(Extension) && !lstatSync(join(this.dir, f)).isDirectory())
      .map((f) => f.slice(0, -Extension.length));
  }

  /** Points `current` at the profile, which must exist. */
  select(name: string): void {
    this.load(name);
    const link = join(this.dir, Current);
    rmSync(link, { force: true });
    symlinkSync(basename(this.#path(name)), link);
  }

  /** The selected profile's name, '' when none. */
  current(): string {
    try {
      const target = readlinkSync(join(this.dir, Current));
      return target.endsWith(Extension) ? target.slice(0, -Extension.length) : target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw BacalhauError.wrap(err, 'reading current symlink');
    }
  }
}
