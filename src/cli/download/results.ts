/**
 * Downloading a job's results into an output directory (Go's `downloader.DownloadResults`), in three
 * stages so that a failure never leaves a half-merged output:
 *
 * 1. every result is downloaded into a folder of its own, `<output>/raw-<random>/`;
 * 2. with `raw` the downloads are moved to `<output>/raw/`, where they stay as in Go, each in place of
 *    one of the same name an earlier run left there (Go keeps that one and downloads nothing: either
 *    way there is one copy of each result); otherwise every `.tar.gz`/`.tgz` is unpacked, next to its
 *    archive;
 * 3. the results are merged into `<output>` (see merge.ts) and the download folder is removed.
 *
 * A failure in stage 1 or 2 names the execution and leaves the output directory as it was but for
 * the complete downloads, which the message points at: in the download folder (removed when it holds
 * none), or with `raw` in `raw/`. Go downloads into `raw/` in every case and removes it afterwards,
 * which deleted a `raw/` folder the user already had there, and a result folder named `raw`.
 */
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { msToDuration } from '../../models/duration.js';
import type { SpecConfig } from '../../models/spec-config.js';
import { archiveSuffixOf, unpackArchive } from './archive.js';
import { mergeResults } from './merge.js';
import { withSignal, type FetchOptions, type ResultDownloader } from './types.js';
import { eitherSignal } from '../../lib/any-signal.js';
import { timeoutSignal } from '../../lib/timeout-signal.js';
import { isDiskFull } from '../../lib/error-chain.js';

const RawFolderName = 'raw';

export interface ResultToDownload {
  readonly executionID: string;
  readonly result: SpecConfig;
  readonly downloader: ResultDownloader;
}

export interface DownloadSettings {
  /** An absolute path to an existing directory. */
  readonly outputDir: string;
  /** Keep each result as downloaded, in `raw/`, instead of merging. */
  readonly raw: boolean;
  /** Time allowed for all downloads together; 0: no limit. */
  readonly timeoutMs: number;
}

type Step = 'download' | 'unpack';

/** A downloaded result and the execution it came from. */
interface Downloaded {
  readonly executionID: string;
  readonly path: string;
}

/** @throws BacalhauError naming the execution whose result failed, or the merge conflict */
export async function downloadResults(
  results: readonly ResultToDownload[],
  settings: DownloadSettings,
  options: FetchOptions = {},
): Promise<void> {
  const { outputDir } = settings;
  const kind = await pathKind(outputDir);
  if (kind !== 'directory') {
    throw new BacalhauError(
      kind === 'missing'
        ? `output dir does not exist: ${outputDir}`
        : `output dir is not a directory: ${outputDir}`,
      {
        code: kind === 'missing' ? ErrorCode.NotFound : ErrorCode.BadRequest,
        hint: `${kind === 'missing' ? 'Create it first' : 'Give a folder'}, or leave out --output-dir to download into ./job-<id>.`,
      },
    );
  }
  const downloadDir = await mkdtemp(join(outputDir, `${RawFolderName}-`));
  const deadline = timeoutSignal(settings.timeoutMs);
  const signal = eitherSignal(options.signal, deadline);
  const downloaded: Downloaded[] = [];
  /** With raw: the downloads so far into `raw/`, and the download folder removed. */
  const keepRaw = async (): Promise<string> => {
    const rawDir = join(outputDir, RawFolderName);
    await mkdir(rawDir, { recursive: true, mode: 0o755 });
    for (const { path } of downloaded) {
      const target = join(rawDir, basename(path));
      // an earlier run's copy that is a folder cannot be renamed over
      await rm(target, { recursive: true, force: true });
      await rename(path, target);
    }
    await rm(downloadDir, { recursive: true, force: true });
    return rawDir;
  };
  /** What a failure leaves where: a download folder with no complete download in it is removed. */
  const whatIsLeft = async (): Promise<string> => {
    const nothing = `Nothing was merged into ${outputDir}`;
    if (settings.raw) {
      // the failure being reported matters more than moving its complete downloads to raw/
      const kept = await keepRaw().catch(() => downloadDir);
      return `${nothing}; complete downloads are in ${kept}.`;
    }
    if (downloaded.length > 0) return `${nothing}; complete downloads are in ${downloadDir}.`;
    await rm(downloadDir, { recursive: true, force: true });
    return `${nothing}.`;
  };
  /** Runs one execution's step; a failure names the execution and says what is left where. */
  const stage = async <T>(executionID: string, step: Step, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      const left = await whatIsLeft();
      if (deadline?.aborted !== true) {
        // the failure's own hint (why it failed) first, then what is left where
        const why =
          err instanceof BacalhauError && err.hint !== ''
            ? `${err.hint} `
            : isDiskFull(err)
              ? `Free space on the disk that holds ${outputDir}, or choose another --output-dir. `
              : '';
        throw BacalhauError.wrap(err, `failed to ${step} the results of execution ${executionID}`, {
          hint: `${why}${left}`,
        });
      }
      const after = msToDuration(settings.timeoutMs);
      throw new BacalhauError(
        `downloading the results of execution ${executionID} timed out after ${after}`,
        {
          code: ErrorCode.TimeOut,
          hint: `Allow more time with --download-timeout-secs (or ResultDownloaders.Timeout). ${left}`,
          cause: err,
        },
      );
    }
  };

  // Executions that published the same location share one download.
  const locations = new Set<string>();
  for (const { executionID, result, downloader } of results) {
    const location = JSON.stringify([result.Type, result.Params]);
    if (locations.has(location)) continue;
    locations.add(location);
    const path = await stage(executionID, 'download', () =>
      downloader.fetch(result, downloadDir, withSignal(signal)),
    );
    downloaded.push({ executionID, path });
  }
  if (settings.raw) {
    await keepRaw();
    return;
  }

  const unpacked: string[] = [];
  for (const { executionID, path } of downloaded) {
    const unpack = (): Promise<string> => unpackArchive(path, withSignal(options.signal));
    unpacked.push(archiveSuffixOf(path) === undefined ? path : await stage(executionID, 'unpack', unpack));
  }
  try {
    await mergeResults(unpacked, outputDir, options);
  } finally {
    // a refused merge suggests --raw, which downloads again: these copies would only be left over
    await rm(downloadDir, { recursive: true, force: true });
  }
}

async function pathKind(path: string): Promise<'directory' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}
