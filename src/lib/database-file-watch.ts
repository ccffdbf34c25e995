/**
 * Whether the database file a store opened is still the one at its path. SQLite in WAL mode goes on
 * writing to a file that was deleted, moved away or replaced while it was open (it checks that only in
 * rollback-journal mode), and says nothing: all it commits from then on is in a file no one can open
 * again, lost when the node restarts. A store asks before it writes, and refuses to.
 */
import { statSync } from 'node:fs';

/** The cause of a write refused because the file moved: it passes once the file is back. */
export class DatabaseFileMoved extends Error {
  constructor(path: string) {
    super(`${path} is no longer the file the database was opened from`);
    this.name = 'DatabaseFileMoved';
  }
}

export class DatabaseFileWatch {
  readonly #path: string;
  readonly #dev: number;
  readonly #ino: number;

  /** Call right after opening the file at `path`. */
  constructor(path: string) {
    this.#path = path;
    const stats = statSync(path);
    this.#dev = stats.dev;
    this.#ino = stats.ino;
  }

  /** Whether `path` names no file now, or another one (a stat of a few microseconds). */
  moved(): boolean {
    let stats;
    try {
      stats = statSync(this.#path, { throwIfNoEntry: false });
    } catch {
      // cannot tell (its folder made unreadable): SQLite's own errors will say what is wrong
      return false;
    }
    return stats?.dev !== this.#dev || stats.ino !== this.#ino;
  }
}
