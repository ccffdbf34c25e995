import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { load } from '../config/index.js';
import { goDataDirWarnings } from './go-data-dir.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-go-data-dir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const config = (orchestrator: boolean) =>
  load({ env: {}, home: dir, dataDir: dir, config: [`Orchestrator.Enabled=${orchestrator}`] });

function touch(path: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), 'Go wrote this');
}

it('says nothing of a data dir Go did not use', () => {
  expect(goDataDirWarnings(config(true))).toEqual([]);
});

it.each([['orchestrator/state_boltdb.db'], ['orchestrator_store/jobs.db']])(
  "tells an orchestrator that Go's job store at %s is not read",
  (path) => {
    touch(path);
    expect(goDataDirWarnings(config(true))).toEqual([
      `${join(dir, path)} is Go Bacalhau's job store, which this node does not read: the jobs run under ` +
        `Go are not listed (this node keeps its own in ${join(dir, 'orchestrator/state.db')}; Go's file ` +
        'is left as it is: move it away to silence this)',
    ]);
    expect(goDataDirWarnings(config(false))).toEqual([]);
  },
);

it('tells that a data dir of Bacalhau v1.4 or older is started afresh', () => {
  touch('repo.version');
  expect(goDataDirWarnings(config(false))).toEqual([
    `${join(dir, 'repo.version')}: this data dir was made by Bacalhau v1.4 or older; as Bacalhau v1.9 ` +
      'does, this node starts it afresh: the node name and the jobs of that version are not carried over ' +
      '(move the file away to silence this)',
  ]);
});
