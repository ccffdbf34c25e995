/**
 * WAL checkpoints off the event loop. A checkpoint copies committed pages from the WAL into the
 * database file and fsyncs it; run by SQLite's auto-checkpoint it would stall the writing thread (and so
 * every request) for milliseconds every thousand pages. Here a second connection in a worker thread runs
 * PASSIVE checkpoints, which never block the writer, when the store asks (every `everyWrites` writes).
 * The store keeps a high auto-checkpoint threshold as a backstop in case the worker falls behind.
 *
 * Copying is not enough: SQLite starts writing the WAL from its beginning again only when a write
 * finds every frame copied, and under steady writes the worker never gets there, since frames committed
 * while it copied are left for the next round. The WAL then grew to the backstop, whose checkpoint on
 * the writing thread stalled every request for ~20 ms twice a second at 2,000 submissions/s. So a
 * round that copied everything it saw is reported ({@link Checkpointer.takeCaughtUp}), and the store
 * copies the few frames committed since on its own connection before its next write, which then
 * restarts the WAL. What the store copies it also fsyncs, on the event loop: so the worker first runs
 * more rounds while each still finds many new frames ({@link checkpointRounds}), as a round over the
 * thousands of frames of 500 writes lets hundreds more in (on this disk the store's share took 8 ms at
 * the median; after the extra rounds, 2 ms).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../models/bacerrors.js';

/** What `PRAGMA wal_checkpoint` answers: whether it was blocked, frames in the WAL, frames copied. */
export interface CheckpointRound {
  busy: number;
  log: number;
  checkpointed: number;
}

/** The most PASSIVE rounds one checkpoint request runs. */
const MaxRounds = 4;
/** A round that found fewer new frames than this leaves the store little enough to copy. */
const FewFrames = 32;

/**
 * Runs PASSIVE rounds (`checkpoint`); says whether the first copied every frame it saw. If it did,
 * the store copies what was committed since, and more rounds make that less: they follow while each
 * copies everything it saw and finds many frames the previous one had not, up to `maxRounds`. One
 * that does not catch up (a transaction of the store held frames back) only ends them.
 * Runs in the worker, from its source text: it uses nothing outside itself.
 */
export function checkpointRounds(
  checkpoint: () => CheckpointRound,
  maxRounds: number,
  fewFrames: number,
): boolean {
  const caughtUp = (round: CheckpointRound): boolean => round.busy === 0 && round.log === round.checkpointed;
  let round = checkpoint();
  if (!caughtUp(round)) return false;
  for (let rounds = 1; rounds < maxRounds; rounds++) {
    const seen = round.log;
    round = checkpoint();
    // (fewer than seen: the WAL started over meanwhile, after the backstop's checkpoint)
    if (!caughtUp(round) || round.log - seen < fewFrames) break;
  }
  return true;
}

const workerSource = `
var __name = (target) => target;
const checkpointRounds = ${checkpointRounds.toString()};
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('synchronous = ' + workerData.synchronous);
// one request at a time: the store sends the next only once this one is answered
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const caughtUp = checkpointRounds(
      () => db.pragma('wal_checkpoint(PASSIVE)')[0],
      ${MaxRounds},
      ${FewFrames},
    );
    parentPort.postMessage({ caughtUp });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message ? err.message : err) });
  }
});
`;

export interface CheckpointerOptions {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  /** Ask for a checkpoint after this many committed writes. */
  everyWrites: number;
  /** Checkpoint failures; the backstop auto-checkpoint keeps the WAL bounded meanwhile. */
  onError: (message: string) => void;
}

export class Checkpointer {
  readonly #worker: Worker;
  readonly #everyWrites: number;
  #writes = 0;
  #checkpoints = 0;
  #caughtUp = false;
  /**
   * A request is with the worker. No other is sent meanwhile: one arriving while the worker copied
   * would start its next round just as the store copies the rest and restarts the WAL, and their
   * checkpoints would get in each other's way (the WAL then went on growing).
   */
  #inFlight = false;
  #closed = false;
  /**
   * Settles when the worker has ended: watched from the start, since a worker that could not start (no
   * file descriptor left for it) ends before anyone closes it, and a close waiting for its 'exit' then
   * waited for ever (the node's stop hung, and the process ended silently with code 13).
   */
  readonly #exited: Promise<void>;

  constructor(options: CheckpointerOptions) {
    this.#everyWrites = Math.max(1, options.everyWrites);
    this.#worker = new Worker(workerSource, {
      eval: true,
      // Not the parent's flags: `--input-type=module` would make this CommonJS source an ES module.
      execArgv: [],
      workerData: {
        module: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: options.path,
        synchronous: options.synchronous,
      },
    });
    this.#worker.unref();
    this.#exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.on('message', (message: { caughtUp: boolean } | { error: string }) => {
      this.#inFlight = false;
      if ('error' in message) {
        options.onError(message.error);
        return;
      }
      this.#checkpoints++;
      this.#caughtUp ||= message.caughtUp;
    });
    this.#worker.on('error', (err) => options.onError(errorMessage(err)));
  }

  /** Checkpoints completed so far (for tests and metrics). */
  get checkpoints(): number {
    return this.#checkpoints;
  }

  /**
   * Whether a round copied every frame it saw since the last call: the writer should then copy what
   * was committed meanwhile itself, before its next write (see the file comment).
   */
  takeCaughtUp(): boolean {
    const caughtUp = this.#caughtUp;
    this.#caughtUp = false;
    return caughtUp;
  }

  /**
   * Called after every commit, with the number of writes it committed: asks for a checkpoint once
   * `everyWrites` were committed since the last request, and none is in flight.
   */
  committed(writes: number): void {
    this.#writes += writes;
    if (this.#writes < this.#everyWrites || this.#inFlight || this.#closed) return;
    this.#writes = 0;
    this.#inFlight = true;
    this.#worker.postMessage('checkpoint');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Unref'd so an idle store does not keep the process alive; but a close in progress must.
    this.#worker.ref();
    this.#worker.postMessage('close');
    await this.#exited;
  }
}
