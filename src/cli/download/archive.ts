/**
 * Unpacking downloaded `.tar.gz`/`.tgz` results (Go's `gzip.Decompress`), streamed from disk through
 * gunzip and the tar reader, so memory stays flat whatever the archive's size. The archive is unpacked
 * into a fresh directory that is renamed into place only when complete: a damaged archive leaves
 * nothing half-written, and since nothing in that directory existed before and the reader yields no
 * links, no entry can be written through a link to outside it.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parentOf, pathUnder } from '../../lib/byte-path.js';
import { readTarStream, TarError } from '../../lib/tar-reader.js';
import { BacalhauError, ErrorCode, errorMessage } from '../../models/bacerrors.js';
import { withSignal, type FetchOptions } from './types.js';

export const ArchiveSuffixes = ['.tar.gz', '.tgz'] as const;
const FolderMode = 0o755;

/** The archive suffix `name` ends with, if any. */
export function archiveSuffixOf(name: string): string | undefined {
  return ArchiveSuffixes.find((suffix) => name.endsWith(suffix));
}

/**
 * Unpacks the archive `file` into a directory named like it without the suffix, replacing any earlier
 * unpacking there, and returns that directory's path.
 * @throws BacalhauError `<name> is not a valid tar.gz archive: …` for damaged or hostile archives
 */
export async function unpackArchive(file: string, options: FetchOptions = {}): Promise<string> {
  const suffix = archiveSuffixOf(file) ?? '';
  const target = file.slice(0, file.length - suffix.length);
  const scratch = await mkdtemp(join(dirname(file), '.unpacking-'));
  const compressed = createReadStream(file);
  const gunzipped = createGunzip();
  // pipe() does not carry the file's read errors on: hand them to the stream being read.
  compressed.on('error', (err) => gunzipped.destroy(err));
  try {
    for await (const entry of readTarStream(compressed.pipe(gunzipped))) {
      options.signal?.throwIfAborted();
      // named by the entry's bytes: a name that is not UTF-8 is written back as the task wrote it
      const path = pathUnder(scratch, entry.pathBytes);
      if (entry.kind === 'directory') {
        await mkdir(path, { recursive: true, mode: FolderMode });
        continue;
      }
      await mkdir(parentOf(path), { recursive: true, mode: FolderMode });
      await pipeline(
        Readable.from(entry.data),
        createWriteStream(path, { mode: entry.mode }),
        withSignal(options.signal),
      );
    }
    await rm(target, { recursive: true, force: true });
    await rename(scratch, target);
    return target;
  } catch (err) {
    await rm(scratch, { recursive: true, force: true });
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (err instanceof TarError || isZlibError(err)) {
      throw new BacalhauError(`${basename(file)} is not a valid tar.gz archive: ${errorMessage(err)}`, {
        code: ErrorCode.BadRequest,
        cause: err,
      });
    }
    throw BacalhauError.wrap(err, `cannot unpack ${basename(file)}`, { code: ErrorCode.IOError });
  } finally {
    compressed.destroy();
  }
}

/** zlib's errors carry codes such as Z_DATA_ERROR (damaged data) and Z_BUF_ERROR (cut short). */
function isZlibError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
