/**
 * The node's identity kept in `<DataDir>/system_metadata.yaml` (Bacalhau's `repo.SystemMetadata`): the
 * node name, fixed on first start, and an instance ID. A name given later with `--name` is ignored with
 * a warning, as in Bacalhau, so a node never changes its identity under its peers. A new name is checked
 * before it is kept: the name is the node's ID in NATS subjects, and one kept that NATS refuses would
 * stop every later start of this data dir, whatever `--name` said then.
 */
import { randomUUID } from 'node:crypto';
import { writeFileAtomically } from '../lib/atomic-write.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readSystemMetadata, SystemMetadataFile, type BacalhauConfig } from '../config/index.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { makeFolderNow } from '../lib/quick-fs.js';
import { nodeIdProblems } from '../transport/nats/subjects.js';

/** Repo version Bacalhau v1.9 writes. */
const RepoVersion = 4;
/** The repo versions Bacalhau v1.9 reads (its `repo.IsValidVersion`): 5 adds only CLI profiles. */
const ReadableRepoVersions = [4, 5];

export interface NodeIdentity {
  readonly nodeName: string;
  readonly instanceID: string;
  /** Set when `--name` differed from the stored name and was ignored. */
  readonly ignoredName?: string;
}

/** A fresh node name from `NameProvider` (Bacalhau's `config.GenerateNodeID`). */
function generateName(provider: BacalhauConfig['NameProvider']): string {
  switch (provider) {
    case 'puuid':
      return `n-${randomUUID()}`;
    case 'uuid':
      return randomUUID();
    case 'hostname':
      // as Go makes it: dots, which NATS subjects cannot carry in a name, become dashes
      return hostname().replaceAll('.', '-');
    case 'aws':
    case 'gcp':
      throw new BacalhauError(`node name provider ${provider} is not supported`, {
        code: ErrorCode.ConfigurationError,
        hint: 'set NameProvider to puuid, uuid or hostname, or give the node a name with --name',
      });
  }
}

/**
 * The node's name and instance ID, creating and persisting them on first use.
 * @throws BacalhauError (ConfigurationError) for an unreadable metadata file, an unsupported provider
 *   or a new name NATS could not carry
 */
export function loadNodeIdentity(config: BacalhauConfig, requestedName: string | undefined): NodeIdentity {
  makeFolderNow(config.DataDir);
  const path = join(config.DataDir, SystemMetadataFile);
  const stored = readSystemMetadata(path);
  if (Object.keys(stored).length > 0) checkRepoVersion(path, stored['RepoVersion']);
  const storedName = typeof stored['NodeName'] === 'string' ? stored['NodeName'] : '';
  const storedInstance = typeof stored['InstanceID'] === 'string' ? stored['InstanceID'] : '';
  const nodeName = storedName !== '' ? storedName : requestedName || generateName(config.NameProvider);
  const problems = nodeName === storedName ? [] : nodeIdProblems(nodeName);
  if (problems.length > 0) {
    throw new BacalhauError(`invalid node name ${JSON.stringify(nodeName)}: ${problems.join('; ')}`, {
      code: ErrorCode.ConfigurationError,
      hint: 'Give the node a name without spaces, ".", "*" or ">" with --name (e.g. my-node-1)',
    });
  }
  const instanceID = storedInstance !== '' ? storedInstance : randomUUID();
  if (nodeName !== storedName || instanceID !== storedInstance) {
    const next = { RepoVersion, ...stored, InstanceID: instanceID, NodeName: nodeName };
    // written whole or not at all: a file cut short by a crash would give the node a new identity
    writeFileAtomically(path, stringify(next), 0o600);
  }
  const ignored = requestedName !== undefined && requestedName !== '' && requestedName !== nodeName;
  return { nodeName, instanceID, ...(ignored ? { ignoredName: requestedName } : {}) };
}

/**
 * Refuses a data dir whose repo version this node cannot read, as Go's `FsRepo.Exists` does: one
 * written by a newer Bacalhau may keep things where this node would not look, or overwrite them.
 */
function checkRepoVersion(path: string, version: unknown): void {
  if (typeof version === 'number' && ReadableRepoVersions.includes(version)) return;
  const newer = typeof version === 'number' && version > Math.max(...ReadableRepoVersions);
  throw new BacalhauError(
    `Unsupported repository version ${String(version)} in ${path}: Bacalhau does not know how to read ` +
      'this configuration format',
    {
      code: ErrorCode.ConfigurationError,
      hint: newer
        ? 'It was written by a newer Bacalhau: use that version, or give this node a data dir of its own with --data-dir'
        : `Repository versions ${ReadableRepoVersions.join(' and ')} are read: fix RepoVersion in the file, or give this node a data dir of its own with --data-dir`,
    },
  );
}
