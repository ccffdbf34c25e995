/** The seam between `job get` and the ways a published result can be fetched (Go's `pkg/downloader`). */
import type { SpecConfig } from '../../models/spec-config.js';

export interface FetchOptions {
  /** Ends the download: the user interrupted, or `--download-timeout-secs` ran out. */
  signal?: AbortSignal;
}

/**
 * Fetches one published result into a directory. Each downloader owns the naming of what it writes
 * there, and writes it whole or not at all (a failed download leaves nothing behind), so that a name
 * in that directory always stands for a complete download.
 */
export interface ResultDownloader {
  /**
   * @returns the path of the file or directory written inside `directory`
   * @throws BacalhauError naming what failed (the URL, the status), never the execution: the caller does
   */
  fetch(result: SpecConfig, directory: string, options?: FetchOptions): Promise<string>;
}

/** `{ signal }`, or `{}` without one (optional properties may not hold undefined in this code base). */
export function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
