/**
 * Execution folders made ahead of time, so that a starting execution gets its folders with one rename
 * instead of creating them then. Creating a folder or file allocates an inode, which on a busy or
 * virtualised disk takes from tens of microseconds to milliseconds (measured here: 0.07 to 4.5 ms for
 * the seven an execution's folders and files need, varying run to run with the disk's other work);
 * a rename of a prepared folder took 0.03 ms in the same conditions. A few are kept ready and made
 * again as they are taken, through the thread pool in batches, off the event loop and off the
 * critical path of a job. When none is ready (a burst of starts) the caller makes its folders itself.
 *
 * The spares live in their own folder beside the executions' ones (the same file system, so a rename
 * moves them); what a previous process left there is removed at {@link start}.
 */
import { renameSync, utimesSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What each spare holds: folders (made in order, so parents first) and empty files, relative paths. */
export interface SpareLayout {
  folders: readonly string[];
  files: readonly string[];
}

export interface SpareFoldersOptions {
  /** Made again once fewer than this many are ready. */
  low?: number;
  /** How many a refill brings ready. */
  high?: number;
}

export class SpareFolders {
  readonly #dir: string;
  readonly #layout: SpareLayout;
  readonly #low: number;
  readonly #high: number;
  readonly #ready: string[] = [];
  /** Names are unique within a process; the folder is emptied when a process starts. */
  #made = 0;
  #filling: Promise<void> | undefined;
  #started = false;
  #stopped = false;

  constructor(dir: string, layout: SpareLayout, options: SpareFoldersOptions = {}) {
    this.#dir = dir;
    this.#layout = layout;
    this.#low = options.low ?? 4;
    this.#high = options.high ?? 8;
  }

  /**
   * Removes what a previous process left, then starts making spares (without waiting for them). A
   * folder that cannot be removed fails the making of spares too, which only means there are none.
   */
  async start(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true }).catch(() => undefined);
    this.#started = true;
    this.#refill();
  }

  /**
   * Moves a ready spare to `target` (whose parent exists), stamped with the time now as a new
   * folder would be; false when none is ready or the move failed (`target` exists and is not empty,
   * say): the caller then makes its folders itself.
   */
  take(target: string): boolean {
    const spare = this.#ready.pop();
    this.#refill();
    if (spare === undefined) return false;
    try {
      renameSync(spare, target);
      const now = new Date();
      utimesSync(target, now, now);
      return true;
    } catch {
      // rare (the target was there already): the next refill replaces the spare
      void rm(spare, { recursive: true, force: true }).catch(() => undefined);
      return false;
    }
  }

  /** Settles once the refill under way (if any) ended. */
  async filled(): Promise<void> {
    await this.#filling;
  }

  /** Stops making spares and removes those left. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.filled();
    this.#ready.length = 0;
    await rm(this.#dir, { recursive: true, force: true }).catch(() => undefined);
  }

  #refill(): void {
    if (!this.#started || this.#stopped || this.#filling !== undefined || this.#ready.length >= this.#low) {
      return;
    }
    this.#filling = this.#fill().finally(() => (this.#filling = undefined));
  }

  /**
   * Makes spares until `high` are ready, a batch at a time with each step's creations in parallel
   * (each await is a turn of a busy event loop: one spare at a time could not keep up with jobs).
   * A failure (a full disk) ends the refill quietly: the executions then make their own folders, and
   * meet the failure where it can be reported.
   */
  async #fill(): Promise<void> {
    while (!this.#stopped && this.#ready.length < this.#high) {
      const batch = Array.from({ length: this.#high - this.#ready.length }, () =>
        join(this.#dir, String(this.#made++)),
      );
      try {
        await mkdir(this.#dir, { recursive: true });
        await Promise.all(batch.map((spare) => mkdir(spare)));
        for (const folder of this.#layout.folders) {
          await Promise.all(batch.map((spare) => mkdir(join(spare, folder))));
        }
        await Promise.all(
          batch.flatMap((spare) => this.#layout.files.map((file) => writeFile(join(spare, file), ''))),
        );
      } catch {
        await Promise.all(batch.map((spare) => rm(spare, { recursive: true, force: true }))).catch(
          () => undefined,
        );
        return;
      }
      this.#ready.push(...batch);
    }
  }
}
