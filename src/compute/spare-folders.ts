/**
 * Execution folders made ahead of time, so that a starting execution gets its folders with one rename
 * instead of creating them then. Creating a folder or file allocates an inode, which on a busy or
 * virtualised disk takes from tens of microseconds to milliseconds (measured here: 0.07 to 4.5 ms for
 * the seven an execution's folders and files need, varying run to run with the disk's other work);
 * a rename of a prepared folder took 0.03 ms in the same conditions. A few are kept ready and made
 * again in batches as they are taken, off the critical path of a job.
 *
 * They are made by a worker thread, with blocking calls: through the thread pool each call cost the
 * event loop ~0.15 ms to hand over on this machine (waking a pool thread), ~1 ms a job in all, which
 * left nothing of the gain when the disk was quick. One worker serves every node of a process (a
 * devstack runs many; a worker takes ~8.5 MB). When none is ready (a burst of starts) the caller
 * makes its folders itself.
 *
 * The spares live in their own folder beside the executions' ones (the same file system, so a rename
 * moves them); what a previous process left there is removed at {@link start}.
 */
import { renameSync, utimesSync } from 'node:fs';
import type * as NodeFs from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { backgroundLater } from '../lib/background-work.js';

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

/** What the worker answers a batch with: the spares it made, and why it stopped short if it did. */
interface Made {
  made: string[];
  error?: string;
}

/**
 * Makes each spare of `spares` (folders in `dir`, made again if it went) with `layout`, stopping at
 * the first failure; what it made of that spare it removes, never a folder that was there before.
 * Runs in the worker, from its source text: it uses nothing outside itself.
 */
export function makeSpares(
  fs: typeof NodeFs,
  join: (...parts: string[]) => string,
  dir: string,
  spares: readonly string[],
  layout: SpareLayout,
): Made {
  const made: string[] = [];
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    return { made, error: String(err) };
  }
  for (const spare of spares) {
    try {
      fs.mkdirSync(spare);
    } catch (err) {
      return { made, error: String(err) };
    }
    try {
      for (const folder of layout.folders) fs.mkdirSync(join(spare, folder));
      for (const file of layout.files) fs.closeSync(fs.openSync(join(spare, file), 'w'));
    } catch (err) {
      fs.rmSync(spare, { recursive: true, force: true });
      return { made, error: String(err) };
    }
    made.push(spare);
  }
  return { made };
}

const workerSource = `
var __name = (target) => target;
const makeSpares = ${makeSpares.toString()};
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { join } = require('node:path');
parentPort.on('message', ({ id, dir, spares, layout }) =>
  parentPort.postMessage({ id, ...makeSpares(fs, join, dir, spares, layout) }),
);
`;

/** Workers that died (rather than being let go of) after which a process makes no more spares. */
const MaxWorkerDeaths = 3;

/**
 * The worker that makes spares, shared by the process's nodes: started for the first batch, ended
 * when the last node lets go. One that died (out of memory, say) is replaced at the next batch, up to
 * {@link MaxWorkerDeaths} times in a process.
 */
class SpareMaker {
  static #shared: SpareMaker | undefined;
  static #users = 0;
  static #deaths = 0;

  static acquire(): void {
    SpareMaker.#users++;
  }

  static async release(): Promise<void> {
    SpareMaker.#users--;
    const shared = SpareMaker.#shared;
    if (SpareMaker.#users > 0 || shared === undefined) return;
    SpareMaker.#shared = undefined;
    shared.#letGo = true;
    await shared.#worker.terminate();
  }

  /** Has the worker make `spares` in `dir`; what it made, or undefined when there is no worker. */
  static make(dir: string, spares: readonly string[], layout: SpareLayout): Promise<Made | undefined> {
    if (SpareMaker.#users > 0 && SpareMaker.#deaths < MaxWorkerDeaths) {
      SpareMaker.#shared ??= new SpareMaker();
    }
    const shared = SpareMaker.#shared;
    return shared === undefined ? Promise.resolve(undefined) : shared.#make({ dir, spares, layout });
  }

  readonly #worker: Worker;
  /** Batches sent and not answered yet, by ID. */
  readonly #pending = new Map<number, (made: Made | undefined) => void>();
  #nextID = 0;
  #letGo = false;

  private constructor() {
    // Not the parent's flags: `--input-type=module` would make this CommonJS source an ES module.
    this.#worker = new Worker(workerSource, { eval: true, execArgv: [], env: {} });
    // idle nodes' spares must not keep their process alive; a batch in progress does (see #make)
    this.#worker.unref();
    this.#worker.on('message', ({ id, ...made }: Made & { id: number }) => this.#answer(id, made));
    this.#worker.on('error', () => void this.#worker.terminate());
    this.#worker.on('exit', () => {
      if (!this.#letGo) SpareMaker.#deaths++;
      if (SpareMaker.#shared === this) SpareMaker.#shared = undefined;
      for (const id of [...this.#pending.keys()]) this.#answer(id, undefined);
    });
  }

  #make(batch: { dir: string; spares: readonly string[]; layout: SpareLayout }): Promise<Made | undefined> {
    const id = this.#nextID++;
    const answered = new Promise<Made | undefined>((resolve) => this.#pending.set(id, resolve));
    this.#worker.ref();
    this.#worker.postMessage({ id, ...batch });
    return answered;
  }

  #answer(id: number, made: Made | undefined): void {
    this.#pending.get(id)?.(made);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }
}

export class SpareFolders {
  readonly #dir: string;
  readonly #layout: SpareLayout;
  readonly #low: number;
  readonly #high: number;
  readonly #ready: string[] = [];
  /** Names are unique in the folder, which is emptied when the node starts. */
  #made = 0;
  #started = false;
  /** Whether this node counts among the worker's users. */
  #acquired = false;
  #filling: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(dir: string, layout: SpareLayout, options: SpareFoldersOptions = {}) {
    this.#dir = dir;
    this.#layout = layout;
    this.#low = options.low ?? 4;
    this.#high = options.high ?? 8;
  }

  /**
   * Removes what a previous process left, then starts making spares (without waiting for them). A
   * folder that cannot be removed or made means there are no spares, nothing worse.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      await rm(this.#dir, { recursive: true, force: true });
    } catch {
      return;
    }
    if (this.#stopping !== undefined) return;
    SpareMaker.acquire();
    this.#acquired = true;
    this.#refill();
  }

  /**
   * Moves a ready spare to `target` (whose parent exists), stamped with the time now as a new
   * folder would be; false when none is ready or the move failed (`target` exists and is not empty,
   * say): the caller then makes its folders itself.
   */
  take(target: string): boolean {
    const spare = this.#ready.pop();
    // once the start that takes it is on its way (lib/background-work.ts)
    this.#refill(backgroundLater());
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

  /** Stops making spares and removes those left. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.filled();
      if (this.#acquired) await SpareMaker.release();
      this.#acquired = false;
      this.#ready.length = 0;
      await rm(this.#dir, { recursive: true, force: true }).catch(() => undefined);
    })();
    return this.#stopping;
  }

  /** Starts a refill when too few are ready, once `after` settled; {@link filled} waits for both. */
  #refill(after?: Promise<void>): void {
    if (!this.#acquired || this.#stopping !== undefined || this.#filling !== undefined) return;
    if (this.#ready.length >= this.#low) return;
    this.#filling = Promise.resolve(after)
      .then(() => this.#fill())
      .catch(() => undefined)
      .finally(() => (this.#filling = undefined));
  }

  /**
   * Has the worker make spares up to `high`. A failure (a full disk) ends the refill quietly: the
   * executions then make their own folders, and meet the failure where it can be reported.
   */
  async #fill(): Promise<void> {
    if (this.#stopping !== undefined) return;
    const spares = Array.from({ length: this.#high - this.#ready.length }, () =>
      join(this.#dir, String(this.#made++)),
    );
    const answer = await SpareMaker.make(this.#dir, spares, this.#layout);
    if (answer !== undefined) this.#ready.push(...answer.made);
  }
}
