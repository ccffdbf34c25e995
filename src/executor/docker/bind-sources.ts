/**
 * Where a running container's bind mounts lead on this host now.
 *
 * The daemon reports a bind mount's source as the path it had when the container was made, but a
 * mount follows its folder: a task with a writable mount above it can rename that folder (or one above
 * it), and the daemon's path then names another folder or none, while the container still writes to
 * the folder, wherever it went. The kernel's table of the container's mounts
 * (`/proc/<pid>/mountinfo`) says where each mount's folder is now, as a path within its file system;
 * this process's own table says where that file system is mounted here.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isInsideFolder } from '../../lib/path-inside.js';

interface MountEntry {
  /** `major:minor` of the file system. */
  device: string;
  /** The mounted folder's path within its file system; `//deleted` ends it once the folder is removed. */
  root: string;
  /** Where it is mounted, in the namespace of the table's process. */
  mountPoint: string;
}

/** A field of the table: space, tab, newline and backslash are written as octal escapes (`\040`). */
const unescaped = (field: string): string =>
  field.replace(/\\([0-7]{3})/gu, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

function mountTable(pid: number | 'self'): MountEntry[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const fields = line.split(' ');
      const [device, root, mountPoint] = [fields[2], fields[3], fields[4]];
      if (device === undefined || root === undefined || mountPoint === undefined) return [];
      return [{ device, root: unescaped(root), mountPoint: unescaped(mountPoint) }];
    });
}

/**
 * The paths on this host that the mounts at `destinations` (paths in the container) of the container
 * whose first process is `pid` lead to now: none for a folder since removed, more than one where its
 * file system is mounted here more than once. Undefined when the container's table cannot be read (it
 * has stopped, or runs where this process does not see its processes).
 */
export function currentBindSources(pid: number, destinations: readonly string[]): string[] | undefined {
  let container: MountEntry[];
  let host: MountEntry[];
  try {
    container = mountTable(pid);
    host = mountTable('self');
  } catch {
    return undefined;
  }
  return destinations.flatMap((destination) => {
    // the last mount at a place is the one seen there
    const mount = container.findLast((entry) => entry.mountPoint === destination);
    if (mount === undefined || mount.root.endsWith('//deleted')) return [];
    return host
      .filter((entry) => entry.device === mount.device && isInsideFolder(mount.root, entry.root))
      .map((entry) => join(entry.mountPoint, relative(entry.root, mount.root)));
  });
}
