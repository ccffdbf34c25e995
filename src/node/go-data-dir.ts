/**
 * What a data dir that Go Bacalhau used holds that this node does not read, said at start: a user
 * switching keeps their `~/.bacalhau`, and would otherwise find their jobs gone from `job list` without
 * a word. Nothing there is changed or removed (this node's files have names of their own).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BacalhauConfig } from '../config/index.js';
import { DefaultStoreFile } from './options.js';

/** Go's job store: BoltDB, since v1.5 and in v1.4 and older. */
const GoJobStores = [join('orchestrator', 'state_boltdb.db'), join('orchestrator_store', 'jobs.db')];

/** The file a data dir of Bacalhau v1.4 or older has, where later ones have system_metadata.yaml. */
const LegacyRepoVersionFile = 'repo.version';

export function goDataDirWarnings(config: BacalhauConfig): string[] {
  const at = (path: string): string => join(config.DataDir, path);
  const warnings: string[] = [];
  if (existsSync(at(LegacyRepoVersionFile))) {
    warnings.push(
      `${at(LegacyRepoVersionFile)}: this data dir was made by Bacalhau v1.4 or older; as Bacalhau v1.9 ` +
        'does, this node starts it afresh: the node name and the jobs of that version are not carried over ' +
        '(move the file away to silence this)',
    );
  }
  const goStore = GoJobStores.map(at).find((path) => existsSync(path));
  if (config.Orchestrator.Enabled && goStore !== undefined) {
    warnings.push(
      `${goStore} is Go Bacalhau's job store, which this node does not read: the jobs run under Go ` +
        `are not listed (this node keeps its own in ${at(DefaultStoreFile)}; Go's file is left as it is: ` +
        'move it away to silence this)',
    );
  }
  return warnings;
}
