/**
 * The IDs a Bacalhau client sends with its requests (`X-Bacalhau-InstallationID`, `X-Bacalhau-InstanceID`)
 * and a server stamps on the jobs it accepts: the installation ID, in
 * `<XDG_CONFIG_HOME or ~/.config>/bacalhau/installation_id` (Bacalhau's installer writes it), and the data
 * dir's instance ID in `system_metadata.yaml` (`serve` writes it, see node/serve-metadata.ts, which
 * reads it with {@link readSystemMetadata} too). Read only; '' when a file is absent or unreadable, as
 * Go's readers give.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { isPlainObject } from '../models/codec.js';

export const SystemMetadataFile = 'system_metadata.yaml';
const InstallationIDFile = 'installation_id';

/** Go's `system.InstallationID()`. */
export function readInstallationID(env: Readonly<Record<string, string | undefined>>): string {
  const configHome = env['XDG_CONFIG_HOME'] || join(env['HOME'] ?? '', '.config');
  return readOrEmpty(join(configHome, 'bacalhau', InstallationIDFile)).trim();
}

/** The instance ID of the data dir `dataDir`, if a node has run there. */
export function readInstanceID(dataDir: string): string {
  try {
    const id = readSystemMetadata(join(dataDir, SystemMetadataFile))['InstanceID'];
    return typeof id === 'string' ? id : '';
  } catch {
    return ''; // an invalid file is the node's to report (serve), not the client's
  }
}

/** The way out of a `system_metadata.yaml` the node cannot read. */
const DamagedMetadataFix =
  'Fix the file, or remove it: the node then gets a new name and identity (give the old one with --name)';

/**
 * The data dir's `system_metadata.yaml` at `path` as a mapping; empty when there is none.
 * @throws BacalhauError (ConfigurationError) for a file that is not a YAML mapping; the read's error
 */
export function readSystemMetadata(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new BacalhauError(`${path} is not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`, {
      code: ErrorCode.ConfigurationError,
      hint: DamagedMetadataFix,
    });
  }
  if (data === null || data === undefined) return {};
  if (!isPlainObject(data)) {
    throw new BacalhauError(`${path} is not a YAML mapping`, {
      code: ErrorCode.ConfigurationError,
      hint: DamagedMetadataFix,
    });
  }
  return data;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
