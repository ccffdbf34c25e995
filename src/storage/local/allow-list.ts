/**
 * `Compute.AllowListedLocalPaths`: the host paths local inputs may mount. Each entry is a glob (see
 * glob.ts) with an optional `:rw` (writable) or `:ro` (the default) suffix, as in Go. Unlike Go, an entry
 * ending in what looks like a mistyped mode (`/data:rx`, `/data:RW`) is refused.
 *
 * Unlike Go, which matches the path as given, both sides are compared as real paths: an entry's literal
 * leading directories are resolved once here, and input paths by `real-path.ts`, so neither `..` nor a
 * symbolic link can reach outside an entry.
 */
import { readlink, realpath } from 'node:fs/promises';
import { isAbsolute, posix } from 'node:path';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import { StorageComponent } from '../../models/sources/errors.js';
import { compileGlob, escapeGlob, GlobError } from './glob.js';

export const AllowListKey = 'Compute.AllowListedLocalPaths';

export interface AllowedPath {
  /** The entry as configured, without its suffix. */
  readonly pattern: string;
  readonly readWrite: boolean;
  /** Matches real paths: the pattern with the folders before its first glob character resolved. */
  readonly matcher: RegExp;
  /** Matches paths as written: the pattern as configured. */
  readonly givenMatcher: RegExp;
}

export type AllowListVerdict = 'allowed' | 'read-only' | 'not-listed';

/** What a mistyped `:ro` or `:rw` looks like: `:rx`, `:RW`, `:rwx`, `:w`, `:readonly`, ... */
const MistypedMode = /:([rwox]{1,4}|read-?only|read-?write)$/iu;

/** @throws ConfigurationError naming the entry for relative or malformed entries. */
export async function loadAllowList(entries: readonly string[]): Promise<AllowedPath[]> {
  return Promise.all(
    entries.map(async (entry, index) => {
      const readWrite = entry.endsWith(':rw');
      const hasMode = readWrite || entry.endsWith(':ro');
      const pattern = hasMode ? entry.slice(0, -3) : entry;
      if (!isAbsolute(pattern)) throw configError(index, `"${entry}" is not an absolute path`);
      // Go would take such an entry as a path with that name, which allows nothing: almost surely a
      // mistyped mode. A path that really ends so can still be listed, with an explicit mode after it.
      const mode = hasMode ? undefined : MistypedMode.exec(entry)?.[1];
      if (mode !== undefined) {
        throw configError(
          index,
          `"${entry}" ends in ":${mode}", which is not an access mode (":ro" or ":rw")`,
          `Use ":ro" (read-only, the default) or ":rw" (writable). If ":${mode}" is part of the path, add the mode after it: "${entry}:ro".`,
        );
      }
      try {
        return {
          pattern,
          readWrite,
          matcher: compileGlob(await resolveLiteralPrefix(pattern)),
          givenMatcher: compileGlob(pattern),
        };
      } catch (err) {
        if (err instanceof GlobError)
          throw configError(index, `"${entry}" is not a valid glob: ${err.message}`);
        throw err;
      }
    }),
  );
}

/** Whether `realPath` may be mounted, and how (Go's `matchAllowedPath`: any writable match wins). */
export function checkAllowList(
  list: readonly AllowedPath[],
  realPath: string,
  write: boolean,
): AllowListVerdict {
  const matches = list.filter((allowed) => allowed.matcher.test(realPath));
  if (matches.length === 0) return 'not-listed';
  return !write || matches.some((allowed) => allowed.readWrite) ? 'allowed' : 'read-only';
}

/**
 * Whether `path` is listed as written (`..` taken away as text, links not followed), by an entry's
 * configured pattern or its resolved one. Only then may a refusal say what the host holds there:
 * where a link leads, whether the path exists or can be read. Go says nothing more than "not
 * allowlisted" about a path outside its list, which it checks before looking at the path.
 */
export function listedAsGiven(list: readonly AllowedPath[], path: string): boolean {
  const lexical = posix.normalize(path);
  return list.some((allowed) => allowed.matcher.test(lexical) || allowed.givenMatcher.test(lexical));
}

/** Links followed before a chain is taken for a loop (Linux's own bound). */
const MaxLinkHops = 40;

/**
 * Whether a symbolic link met on the way along `path`, followed as text (`readlink`, nothing of the
 * target looked at), leads to a path not listed as written: then a failure to resolve `path` says
 * something of a host path outside the list (that it is missing, a file, unreadable), which a job
 * that planted the link could read from its refusal.
 */
export async function linkLeadsOutOfList(list: readonly AllowedPath[], path: string): Promise<boolean> {
  const segments = (of: string): string[] => of.split('/').filter((part) => part !== '');
  const rest = segments(path);
  let folder = '/';
  for (let hops = 0; rest.length > 0;) {
    const next = posix.join(folder, rest.shift() ?? '');
    const target = await readlink(next).catch(() => undefined);
    if (target === undefined) {
      folder = next; // not a link, or not there: the path goes on as written
      continue;
    }
    const reached = posix.resolve(folder, target);
    if (++hops > MaxLinkHops || !listedAsGiven(list, reached)) return true;
    rest.unshift(...segments(reached));
    folder = '/';
  }
  return false;
}

/** The pattern with the directories before its first glob character replaced by their real path. */
async function resolveLiteralPrefix(pattern: string): Promise<string> {
  const segments = pattern.split('/');
  const firstGlob = segments.findIndex((segment) => /[*?[{\\]/.test(segment));
  const literalEnd = firstGlob < 0 ? segments.length : firstGlob;
  const literal = segments.slice(0, literalEnd).join('/') || '/';
  const real = await realpath(literal).catch(() => undefined);
  if (real === undefined) return pattern; // not there yet: nothing to resolve, nothing it can reach
  const rest = segments.slice(literalEnd);
  return [escapeGlob(real === '/' ? '' : real), ...rest].join('/') || '/';
}

function configError(
  index: number,
  problem: string,
  hint = `Give absolute paths or globs such as "/data/**", optionally ending in ":rw" or ":ro".`,
): BacalhauError {
  return new BacalhauError(`${AllowListKey}[${index}]: ${problem}`, {
    code: ErrorCode.ConfigurationError,
    component: StorageComponent,
    hint,
  });
}
