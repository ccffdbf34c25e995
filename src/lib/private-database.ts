/**
 * A node's SQLite files are its user's alone: the job store holds every job spec, with the values of
 * the env users gave (secrets among them), and the execution store holds them again. Go creates its
 * stores' folders 0700 and files 0600; SQLite's default, 0644 in a folder of 0755, let every local user
 * read them.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Makes the database file's folder, as the node's user's alone, if it is missing. */
export function makeDatabaseFolder(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
}

/**
 * Restricts the database file, its WAL and its shared-memory file to the node's user: also those an
 * earlier build left readable. SQLite makes a new WAL with the database file's permissions.
 */
export function restrictDatabaseFiles(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
