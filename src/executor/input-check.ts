/**
 * A local input is checked against the allow list as the real path it then has, and handed to the
 * executor as that path; a task that may write to a folder on its way could swap that folder for a
 * link before the input is mounted. Each executor asks again just before it mounts the input.
 */
import { realpath } from 'node:fs/promises';

/** Why `source` (a real path when checked) is not what was checked any more, or undefined if it is. */
export async function changedSinceCheck(source: string): Promise<string | undefined> {
  const now = await realpath(source).catch(() => undefined);
  return now === source ? undefined : changedAfterCheck(source, now);
}

/** What to do about an input that changed after it was checked. */
export const ChangedInputHint =
  "Submit the job again once no running job moves the folders on its local inputs' paths";

/** The words for a checked input that now leads to `now` (undefined: to nothing). */
export function changedAfterCheck(source: string, now: string | undefined): string {
  return now === undefined
    ? `input source ${JSON.stringify(source)} is gone: it changed after it was checked`
    : `input source ${JSON.stringify(source)} now leads to ${JSON.stringify(now)}: it changed after it was checked`;
}
