/**
 * Results served over HTTP, as `urlDownload` (the local publisher's tar.gz, or any URL) and
 * `s3PreSigned` (a pre-signed S3 GET URL) publish them: one GET, streamed to disk.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BacalhauError, ErrorCode, errorMessage } from '../../models/bacerrors.js';
import { archiveSuffixOf, ArchiveSuffixes } from './archive.js';
import { withSignal, type FetchOptions } from './types.js';
import { blockedPortReason, isBlockedPortError } from '../../lib/blocked-ports.js';
import { isDiskFull } from '../../lib/error-chain.js';

/** Characters many file systems refuse in a name (Go's `urlSanitizer`), and the NUL none takes. */
const unsafeInName = /[/\\:*?"<>|\0]/g;
/** How much of an error response is quoted. */
const MaxErrorBody = 1024;

/**
 * The name of a download in the raw folder: the URL's host and path flattened into one name, as Go's
 * downloader does, keeping the `.tar.gz` of the path. Different URLs can flatten alike (`/a/b` and
 * `/a_b`): {@link freeName} tells their downloads apart.
 */
export function resultFileName(url: URL): string {
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // a malformed escape stays as written
  }
  return `${url.host}${path}`.replace(unsafeInName, '_');
}

/**
 * GETs `url` into `directory` (via a `.part` file renamed when complete) and returns the file's path.
 * When the URL does not end in an archive suffix but the server's Content-Disposition names a
 * `.tar.gz`/`.tgz` file, that suffix is appended, so the archive is unpacked like any other.
 * @throws BacalhauError for network failures and non-2xx answers; the signal's reason once it fires
 */
export async function fetchUrl(text: string, directory: string, options: FetchOptions = {}): Promise<string> {
  const url = parseUrl(text);
  const shown = shownUrl(url);
  const fail = (what: string, err: unknown): never => {
    if (options.signal?.aborted === true) throw options.signal.reason;
    const why = isBlockedPortError(err) ? blockedPortReason(url) : errorMessage(reason(err));
    const unreachable = UnreachableCodes.has(String((reason(err) as NodeJS.ErrnoException).code));
    throw new BacalhauError(`request to ${shown} ${what}: ${why}`, {
      code: ErrorCode.NetworkFailure,
      cause: err,
      ...(unreachable
        ? {
            hint:
              `Nothing answers at ${url.host}: the node that published these results may be stopped, ` +
              'or not reachable from here (a local publisher serves them from its compute node).',
          }
        : {}),
    });
  };
  const response = await fetch(url, withSignal(options.signal)).catch((err: unknown) => fail('failed', err));
  if (!response.ok) {
    const body = await snippet(response);
    throw new BacalhauError(`request to ${shown} failed with status code ${response.status}: ${body}`, {
      code: response.status === 404 ? ErrorCode.NotFound : ErrorCode.NetworkFailure,
    });
  }
  let name = resultFileName(url);
  if (archiveSuffixOf(name) === undefined) {
    name += archiveSuffixOf(dispositionFileName(response.headers.get('content-disposition'))) ?? '';
  }
  const target = join(directory, freeName(directory, name));
  const part = `${target}.part`;
  try {
    const body = response.body === null ? Readable.from([]) : Readable.fromWeb(response.body);
    await pipeline(body, createWriteStream(part, { mode: 0o644 }), withSignal(options.signal));
    await rename(part, target);
  } catch (err) {
    // the download's own failure is the one to report, not a failed clean-up's
    await rm(part, { force: true }).catch(() => undefined);
    if (isDiskFull(err) && options.signal?.aborted !== true) {
      // the disk here, not the response: the caller says which disk
      throw new BacalhauError(`writing ${shown} into ${directory}: ${errorMessage(err)}`, {
        code: ErrorCode.IOError,
        cause: err,
      });
    }
    fail('failed while reading the response', err);
  }
  return target;
}

/**
 * `name`, or `<stem>-<n><suffix>` for the first n from 2 that is free: neither a download of this run
 * nor, where one is an archive, the folder it unpacks to (its name without the suffix), which unpacking
 * would replace.
 */
function freeName(directory: string, name: string): string {
  const suffix = archiveSuffixOf(name) ?? '';
  const stem = name.slice(0, name.length - suffix.length);
  const taken = (candidate: string): boolean =>
    [candidate, ...ArchiveSuffixes.map((s) => candidate + s)].some((n) => existsSync(join(directory, n)));
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? stem : `${stem}-${n}`;
    if (!taken(candidate)) return candidate + suffix;
  }
}

function parseUrl(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new BacalhauError(`"${text}" is not an http or https URL`, { code: ErrorCode.BadRequest });
  }
  return url;
}

/** The URL without its query, which may carry a signature or a token. */
function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search === '' ? '' : '?…'}`;
}

/** The `filename` or `filename*` parameter of a Content-Disposition header, as written. */
function dispositionFileName(header: string | null): string {
  const match = /;\s*filename\*?\s*=\s*"?([^";]*)/i.exec(header ?? '');
  return match?.[1]?.trim() ?? '';
}

/** The start of an error response's body, for the message. */
async function snippet(response: Response): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    if (response.body !== null) {
      for await (const chunk of Readable.fromWeb(response.body)) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size >= MaxErrorBody) break;
      }
    }
  } catch {
    // the status says enough
  }
  return Buffer.concat(chunks).subarray(0, MaxErrorBody).toString('utf8').trim();
}

/** Connection failures that say the server is away, rather than that it answered badly. */
const UnreachableCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** fetch reports network failures as `fetch failed` with the reason in `cause`. */
function reason(err: unknown): unknown {
  return err instanceof TypeError && err.cause instanceof Error ? err.cause : err;
}
