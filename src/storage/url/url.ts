/**
 * `urlDownload` inputs (Go's `pkg/storage/url/urldownload`): one file fetched over http(s) into a new
 * directory and mounted at `<Target>/<file name>` (see filename.ts). The body is streamed to disk, never
 * held in memory, and cut off at `maxBytes`. Transient failures (network, timeouts, 5xx, 429) are
 * retried; each attempt has its own timeout, as Go's HTTP client timeout, but a body still coming when
 * it runs out is not started over (Go retries only the request, see http.ts). A connection lost
 * partway through the body is retried, where Go fails the input.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ErrorCode, type InputSource } from '../../models/index.js';
import { ioError, throwIfAborted } from '../errors.js';
import { paramError } from '../../models/sources/errors.js';
import type { IoOptions, Storage, StorageVolume } from '../types.js';
import { downloadFileName } from './filename.js';
import { request, shown, type Answer } from './http.js';
import { withRetries, type RetryPolicy } from './retry.js';
import { decodeUrl } from '../../models/sources/url.js';

export interface UrlDownloadOptions {
  /** Per attempt, body included (`InputSources.ReadTimeout`, 5 minutes). */
  timeoutMs?: number;
  /** Attempts after the first (`InputSources.MaxRetryCount`, 3). */
  maxRetries?: number;
  /**
   * Largest file accepted: the node's disk capacity for jobs (`Compute.AllocatedCapacity.Disk`), as a
   * larger one cannot fit; default 10 GiB. Go has no limit, and a download fills the disk instead.
   */
  maxBytes?: number;
  /** Per attempt of the size check, at most; default {@link SizeCheckTimeoutMs}. */
  sizeCheckTimeoutMs?: number;
  /** First wait between attempts; doubles up to `retryWaitMaxMs`. */
  retryWaitMinMs?: number;
  retryWaitMaxMs?: number;
}

const EntryPrefix = 'url-';

/**
 * How long each attempt of the size check (a HEAD, while the node decides on its bid) waits, at most:
 * nothing tells the user why the job is pending meanwhile, and a server that has not answered a HEAD
 * in this time will not serve the file either (the download's own limit, InputSources.ReadTimeout, is
 * 5 minutes, for the body too; with the retries, a silent server held a job for 20 minutes).
 */
export const SizeCheckTimeoutMs = 30_000;
const GiB = 1024 ** 3;

/** What servers that do not take HEAD answer it with: Forbidden, Method Not Allowed, Not Implemented. */
const HeadRefused: ReadonlySet<number> = new Set([403, 405, 501]);

/** Raised inside the pipeline when the body passes the limit. */
class TooLarge extends Error {}

export class UrlDownloadStorage implements Storage {
  readonly #timeoutMs: number;
  readonly #sizeCheckTimeoutMs: number;
  readonly #maxBytes: number;
  readonly #retry: RetryPolicy;

  constructor(options: UrlDownloadOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.#sizeCheckTimeoutMs = Math.min(this.#timeoutMs, options.sizeCheckTimeoutMs ?? SizeCheckTimeoutMs);
    this.#maxBytes = options.maxBytes ?? 10 * GiB;
    this.#retry = {
      maxRetries: options.maxRetries ?? 3,
      waitMinMs: options.retryWaitMinMs ?? 250,
      waitMaxMs: options.retryWaitMaxMs ?? 1000,
    };
  }

  isInstalled(): Promise<boolean> {
    return Promise.resolve(true);
  }

  hasStorageLocally(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /**
   * The server's Content-Length for a HEAD request; 0 when it gives none, or refuses HEAD while it may
   * well serve GET (pre-signed URLs are signed for GET only): the download then says what is wrong.
   */
  async getVolumeSize(input: InputSource, options: IoOptions = {}): Promise<number> {
    const url = decodeUrl(input);
    return withRetries(this.#retry, options.signal, `checking ${shown(url)}`, async () => {
      const { response } = await request(url, 'HEAD', this.#sizeCheckTimeoutMs, options.signal, HeadRefused);
      // over this node's disk, it is the bid's resource check that refuses it, with Go's message
      return HeadRefused.has(response.status) ? 0 : declaredLength(response);
    });
  }

  async prepareStorage(
    directory: string,
    input: InputSource,
    options: IoOptions = {},
  ): Promise<StorageVolume> {
    throwIfAborted(options.signal, 'preparing a urlDownload input');
    const url = decodeUrl(input);
    const entry = await mkdtemp(join(directory, EntryPrefix)).catch((err: unknown) => {
      throw ioError(`cannot create a directory for a download in ${directory}`, err);
    });
    try {
      const file = await withRetries(this.#retry, options.signal, `downloading ${shown(url)}`, () =>
        this.#download(url, entry, options.signal),
      );
      return {
        source: file,
        target: posix.join(input.Target, basename(file)),
        // the execution's own copy, writable as Go mounts it (a downloaded script can be made executable)
        readOnly: false,
        exclusive: true,
      };
    } catch (err) {
      await rm(entry, { recursive: true, force: true });
      throw err;
    }
  }

  async cleanupStorage(_input: InputSource, volume: StorageVolume): Promise<void> {
    const entry = dirname(volume.source);
    // Never remove what this provider did not create.
    if (basename(entry).startsWith(EntryPrefix)) await rm(entry, { recursive: true, force: true });
  }

  /** One attempt: the whole body into a new file in `entry`, whose path is returned. */
  async #download(url: URL, entry: string, signal: AbortSignal | undefined): Promise<string> {
    const answer = await request(url, 'GET', this.#timeoutMs, signal);
    const { response } = answer;
    try {
      this.#checkLength(url, response);
    } catch (err) {
      await response.body?.cancel().catch(() => undefined); // release the connection
      throw err;
    }
    const name = downloadFileName(
      new URL(response.url),
      response.redirected,
      response.headers.get('content-disposition'),
    );
    const file = join(entry, name);
    try {
      const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      await pipeline(
        Readable.fromWeb(body as WebReadableStream<Uint8Array>),
        this.#limit(),
        createWriteStream(file),
        { signal: answer.signal },
      );
      return file;
    } catch (err) {
      await rm(file, { force: true });
      throw this.#bodyError(url, answer, err);
    }
  }

  #checkLength(url: URL, response: Response): void {
    const length = declaredLength(response);
    if (length > this.#maxBytes) throw this.#tooLarge(url, length);
  }

  #limit(): Transform {
    let seen = 0;
    const max = this.#maxBytes;
    return new Transform({
      transform(chunk: Buffer, _encoding, done) {
        seen += chunk.length;
        done(seen > max ? new TooLarge() : null, chunk);
      },
    });
  }

  #bodyError(url: URL, answer: Answer, err: unknown): Error {
    if (err instanceof TooLarge) return this.#tooLarge(url);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS')
      return ioError(`cannot write the download of ${shown(url)}`, err);
    return answer.failure(err);
  }

  #tooLarge(url: URL, size?: number): Error {
    const what = size === undefined ? 'is larger than' : `is ${size} bytes, over`;
    const limit = `this node's disk capacity for jobs, ${this.#maxBytes} bytes`;
    return paramError('URL', `${shown(url)} ${what} ${limit}`, {
      code: ErrorCode.ResourceExhausted,
      hint:
        `Run it on a node with more disk for jobs (Compute.AllocatedCapacity.Disk), or split the data ` +
        `into files of at most ${this.#maxBytes} bytes each, and give each as an input.`,
    });
  }
}

/** The body's length as the server announces it (digits only, as Go reads it); 0 when it does not. */
function declaredLength(response: Response): number {
  const length = response.headers.get('content-length') ?? '';
  return /^\d+$/.test(length) ? Number(length) : 0;
}
