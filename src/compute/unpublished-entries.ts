/**
 * Output entries no publisher carries: the archive holds files and folders only (lib/tar-writer.ts
 * says why), so a symbolic link, FIFO, socket or device a task left in a ResultPath folder would vanish
 * from the results without a word. The runner looks for them before publishing and tells the user in
 * the execution's events (`job describe`). Go fails the whole publish on the first symbolic link.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { goCompareStrings } from '../models/go-compat.js';

/** How many entries the note names; it counts the rest. */
const MaxNamed = 5;

/** Relative paths (`<output>/<path>`) with their kind, in walk order; never follows a link. */
export async function unpublishableEntries(
  resultsDir: string,
  outputNames: readonly string[],
): Promise<string[]> {
  const found: string[] = [];
  const pending = [...outputNames];
  for (let relative = pending.shift(); relative !== undefined; relative = pending.shift()) {
    let children: Dirent[];
    try {
      children = await readdir(join(resultsDir, relative), { withFileTypes: true });
    } catch {
      continue; // the output folder is missing or not a folder: nothing of it is published either way
    }
    children.sort((a, b) => goCompareStrings(a.name, b.name));
    for (const child of children) {
      const path = `${relative}/${child.name}`;
      if (child.isDirectory()) pending.push(path);
      else if (!child.isFile()) found.push(`${path} (${kindOf(child)})`);
    }
  }
  return found;
}

/** The event text for `entries` (non-empty). */
export function unpublishedNote(entries: readonly string[]): string {
  const named = entries.slice(0, MaxNamed).join(', ');
  const more = entries.length > MaxNamed ? ` and ${entries.length - MaxNamed} more` : '';
  const count = entries.length === 1 ? '1 entry that is' : `${entries.length} entries that are`;
  return `Left out of the published results: ${count} neither a file nor a folder: ${named}${more}`;
}

function kindOf(entry: Dirent): string {
  if (entry.isSymbolicLink()) return 'symbolic link';
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  return 'device';
}
