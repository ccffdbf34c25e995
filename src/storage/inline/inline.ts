/**
 * `inline` inputs (Go's `pkg/storage/inline`): the content travels inside the job spec as a data URL.
 * Plain data becomes one file mounted at the target; `application/gzip` data is a tar.gz archive
 * (what the CLI makes of directories and larger files), unpacked into a directory mounted there.
 */
import { chmodSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parentOf, pathUnder } from '../../lib/byte-path.js';
import { makeFolder, makeTempFolder, writeNewFile, writeSmallFile } from '../../lib/quick-fs.js';
import { ErrorCode, type InputSource } from '../../models/index.js';
import { ioError, throwIfAborted } from '../errors.js';
import { paramError } from '../../models/sources/errors.js';
import { decodeInlineSource, GzipMediaType, notGzip } from '../../models/sources/inline.js';
import type { IoOptions, Storage, StorageVolume } from '../types.js';
import type { DataUrl } from '../../models/sources/data-url.js';
import { readTar, TarError, type TarEntry } from '../../lib/tar-reader.js';

const gunzipAsync = promisify(gunzip);
const EntryPrefix = 'inline-';

/**
 * An empty file an execution's folder may hold, made ahead of time (compute/paths.ts): the first inline
 * file input is written into it and renamed, which spares the disk creating a file on the job's path.
 */
export const SpareInlineFileName = 'spare-inline-input';
const MiB = 1024 * 1024;

export interface InlineStorageOptions {
  /** Largest decoded content of one input: the data, or the whole unpacked tar stream. */
  maxBytes?: number;
  /** Largest file inside an archive (Go: 10 MiB). */
  maxFileBytes?: number;
}

type Content = { kind: 'file'; data: Buffer } | { kind: 'archive'; entries: TarEntry[] };

/** A tar archive is made of 512-byte blocks, a header first. */
const TarBlockBytes = 512;

const sizeHint = 'Inline inputs are for small data: serve larger data over HTTP (urlDownload) or S3.';

export class InlineStorage implements Storage {
  readonly #maxBytes: number;
  readonly #maxFileBytes: number;

  constructor(options: InlineStorageOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 100 * MiB;
    this.#maxFileBytes = options.maxFileBytes ?? 10 * MiB;
  }

  isInstalled(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** The content is in the spec itself. */
  hasStorageLocally(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** The unpacked size, which is what the input takes on disk. */
  async getVolumeSize(input: InputSource, options: IoOptions = {}): Promise<number> {
    const content = await this.#decode(input, options.signal);
    if (content.kind === 'file') return content.data.length;
    return content.entries.reduce((total, entry) => total + entry.data.length, 0);
  }

  async prepareStorage(
    directory: string,
    input: InputSource,
    options: IoOptions = {},
  ): Promise<StorageVolume> {
    const content = await this.#decode(input, options.signal);
    if (content.kind === 'file') {
      const io = options.signal === undefined ? {} : { signal: options.signal };
      // a file in `directory` itself: a folder around it would be one more inode to create and remove
      // (0.1–0.6 ms each on a VM's ext4 disk here, against ~5 µs on tmpfs: measured); the empty one
      // made ahead there when there is one, which spares creating any
      const spare = join(directory, SpareInlineFileName);
      const file = await writeNewFile(join(directory, EntryPrefix), content.data, { ...io, spare }).catch(
        (err: unknown) => {
          throwIfAborted(options.signal, 'preparing an inline input');
          throw ioError(`cannot write an inline input to ${directory}`, err);
        },
      );
      return { source: file, target: input.Target, readOnly: false, exclusive: true };
    }
    const entry = await makeTempFolder(join(directory, EntryPrefix)).catch((err: unknown) => {
      throw ioError(`cannot create a directory for an inline input in ${directory}`, err);
    });
    try {
      // mkdtemp makes it 0700: a container running as another user than the node's could not open it
      chmodSync(entry, 0o755);
      await unpack(content.entries, entry, options.signal);
      return { source: entry, target: input.Target, readOnly: false, exclusive: true };
    } catch (err) {
      await rm(entry, { recursive: true, force: true });
      throwIfAborted(options.signal, 'preparing an inline input');
      throw ioError(`cannot write an inline input to ${entry}`, err);
    }
  }

  /**
   * Removes the file or folder `prepareStorage` made; never what this provider did not create. Through
   * the thread pool: the task is over, and the event loop has its result to pass on meanwhile.
   */
  async cleanupStorage(_input: InputSource, volume: StorageVolume): Promise<void> {
    if (basename(volume.source).startsWith(EntryPrefix)) {
      await rm(volume.source, { recursive: true, force: true });
    }
  }

  async #decode(input: InputSource, signal: AbortSignal | undefined): Promise<Content> {
    throwIfAborted(signal, 'preparing an inline input');
    const dataUrl = decodeInlineSource(input);
    if (dataUrl.mediaType !== GzipMediaType) {
      if (dataUrl.data.length > this.#maxBytes) throw this.#tooLarge(dataUrl.data.length);
      return { kind: 'file', data: dataUrl.data };
    }
    const entries = readArchive(await this.#gunzip(dataUrl));
    throwIfAborted(signal, 'preparing an inline input');
    const large = entries.find((entry) => entry.data.length > this.#maxFileBytes);
    if (large !== undefined) {
      throw paramError(
        'URL',
        `the archive's file "${large.path}" is larger than ${this.#maxFileBytes} bytes`,
        {
          code: ErrorCode.ResourceExhausted,
          hint: sizeHint,
        },
      );
    }
    return { kind: 'archive', entries };
  }

  async #gunzip(dataUrl: DataUrl): Promise<Buffer> {
    try {
      return await gunzipAsync(dataUrl.data, { maxOutputLength: this.#maxBytes });
    } catch (err) {
      if (err instanceof RangeError) throw this.#tooLarge();
      throw notGzip(err);
    }
  }

  /** `size`: the content's, when known (an archive is only known to unpack to more than the limit). */
  #tooLarge(size?: number): Error {
    const what = size === undefined ? 'unpacks to more than' : `is ${size} bytes, over`;
    return paramError('URL', `the content ${what} this node's limit of ${this.#maxBytes} bytes`, {
      code: ErrorCode.ResourceExhausted,
      hint: sizeHint,
    });
  }
}

function readArchive(archive: Buffer): TarEntry[] {
  try {
    // shorter than one tar header: plain gzipped data, which the reader would call a cut-off archive
    if (archive.length < TarBlockBytes) throw new TarError('it is not a tar archive (too short for one)');
    return [...readTar(archive)];
  } catch (err) {
    if (!(err instanceof TarError)) throw err;
    throw paramError('URL', `the archive cannot be unpacked: ${err.message}`, {
      hint: 'Give a tar archive of relative paths compressed with gzip (tar -czf), or let the bacalhau CLI inline the path.',
    });
  }
}

/** Writes checked entries (see lib/tar-reader.ts) under `directory`, which this provider just created. */
async function unpack(
  entries: readonly TarEntry[],
  directory: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  for (const entry of entries) {
    throwIfAborted(signal, 'preparing an inline input');
    // named by the entry's bytes: a name that is not UTF-8 is unpacked as the archive holds it
    const path = pathUnder(directory, entry.pathBytes);
    if (entry.kind === 'directory') {
      await makeFolder(path, 0o755);
      continue;
    }
    await makeFolder(parentOf(path), 0o755);
    await writeSmallFile(path, entry.data, { mode: entry.mode });
  }
}
