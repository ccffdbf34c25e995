/**
 * Keys that config files of earlier Bacalhau versions (v1.5 to v1.8) have and v1.9 does not. A file kept
 * from such a version still loads, the key ignored with a warning: Go's reader ignores every key it does
 * not know, silently; this one refuses unknown keys (a typo is caught), but one that a user switching
 * over never wrote by hand would stop every command.
 */
import { isPlainObject } from './checks.js';

/** Each retired key (lower case: keys are matched case-insensitively) and what replaces it. */
const RetiredKeys: ReadonlyMap<string, string> = new Map([
  ['featureflags.exectranslation', 'it has no effect since Bacalhau v1.6'],
  [
    'jobadmissioncontrol.acceptnetworkedjobs',
    'networked jobs are accepted unless JobAdmissionControl.RejectNetworkedJobs is true',
  ],
  ['orchestrator.license.localpath', 'Bacalhau needs no license since v1.8'],
]);

/** What replaces the retired key `key`; undefined when it is not one. */
export function retiredKeyReplacement(key: string): string | undefined {
  return RetiredKeys.get(key.toLowerCase());
}

/**
 * The warnings for `raw`, found at the unknown key `key`, when every key it holds is retired; undefined
 * when any is not (then it is an unknown key).
 */
export function retiredKeyWarnings(key: string, raw: unknown): string[] | undefined {
  const warnings: string[] = [];
  const visit = (path: string, value: unknown): boolean => {
    if (isPlainObject(value)) return Object.entries(value).every(([name, v]) => visit(`${path}.${name}`, v));
    const replacement = retiredKeyReplacement(path);
    if (replacement === undefined) return false;
    warnings.push(`"${path}" is a key of an earlier Bacalhau version, ignored: ${replacement}`);
    return true;
  };
  return visit(key, raw) ? warnings : undefined;
}
