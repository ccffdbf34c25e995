/**
 * The IDs a Bacalhau client sends with its requests (`X-Bacalhau-InstallationID`, `X-Bacalhau-InstanceID`)
 * and a server stamps on the jobs it accepts: the installation ID, in
 * `<XDG_CONFIG_HOME or ~/.config>/bacalhau/installation_id` (Bacalhau's installer writes it), and the data
 * dir's instance ID in `system_metadata.yaml` (`serve` writes it). Read only; '' when a file is absent or
 * unreadable, as Go's readers give.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

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
    const metadata: unknown = parse(readOrEmpty(join(dataDir, SystemMetadataFile)));
    const id = (metadata as { InstanceID?: unknown } | null)?.InstanceID;
    return typeof id === 'string' ? id : '';
  } catch {
    return ''; // an invalid file is the node's to report (serve), not the client's
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
