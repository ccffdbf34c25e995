/**
 * Result paths with wildcards. The docs show `Path: /outputs/*.csv`, but a result path names one
 * folder (Go's too): the node binds the task's folder of that exact name and saves what is in it, so
 * the files the wildcard meant are not saved, and nothing said so.
 */
import type { Job } from '../index.js';

const wildcard = /[*?[]/;

/** One warning per result path with a glob character. */
export function wildcardResultPathWarnings(job: Job): string[] {
  return job.Tasks.flatMap((task, i) =>
    (task.ResultPaths ?? []).flatMap((result, j) =>
      wildcard.test(result.Path)
        ? [
            `Tasks[${i}].ResultPaths[${j}].Path '${result.Path}' has a wildcard, which is not expanded: only ` +
              'a folder of that exact name would be saved; have the task write its files into one folder, ' +
              'and give that folder as the path',
          ]
        : [],
    ),
  );
}
