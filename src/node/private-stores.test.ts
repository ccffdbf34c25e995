import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteExecutionStore } from '../compute/store/sqlite-store.js';
import { SqliteJobStore } from '../store/sqlite/sqlite-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const newDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-private-db-'));
  dirs.push(dir);
  return dir;
};
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('the stores keep their files to the node user', () => {
  it('makes the job store folder 0700 and its database, WAL and shared-memory files 0600', async () => {
    const path = join(newDir(), 'orchestrator', 'state.db');
    const store = await SqliteJobStore.create({ path });
    try {
      expect([mode(join(path, '..')), mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual([
        '700',
        '600',
        '600',
        '600',
      ]);
    } finally {
      await store.close();
    }
  });

  it('restricts the files an earlier build left readable by everyone, in either store', async () => {
    const dir = newDir();
    const [jobs, executions] = [join(dir, 'state.db'), join(dir, 'executions.db')];
    await (await SqliteJobStore.create({ path: jobs })).close();
    SqliteExecutionStore.open({ path: executions }).close();
    chmodSync(jobs, 0o644);
    chmodSync(executions, 0o644);
    const store = await SqliteJobStore.create({ path: jobs });
    const compute = SqliteExecutionStore.open({ path: executions });
    try {
      expect([mode(jobs), mode(executions), mode(`${executions}-wal`)]).toEqual(['600', '600', '600']);
    } finally {
      await store.close();
      compute.close();
    }
  });
});
