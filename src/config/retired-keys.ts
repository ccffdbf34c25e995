/**
 * Keys that config files of earlier Bacalhau versions (v1.5 to v1.8) have and v1.9 does not. A file kept
 * from such a version still loads, the key ignored with a warning: Go's reader ignores every key it does
 * not know, silently; this one refuses unknown keys (a typo is caught), but one that a user switching
 * over never wrote by hand would stop every command.
 */
import { isPlainObject } from './checks.js';

/** What replaces a retired key; `ifFalse` instead when the file sets it false. */
interface Retired {
  readonly replacement: string;
  readonly ifFalse?: string;
}

/** Each retired key (lower case: keys are matched case-insensitively) and what replaces it. */
const RetiredKeys: ReadonlyMap<string, Retired> = new Map([
  ['featureflags.exectranslation', { replacement: 'it has no effect since Bacalhau v1.6' }],
  [
    'jobadmissioncontrol.acceptnetworkedjobs',
    {
      replacement: 'networked jobs are accepted unless JobAdmissionControl.RejectNetworkedJobs is true',
      // false was its default, which refused them: this node accepts them now, as Go v1.9 does
      ifFalse:
        'networked jobs, which it refused, are accepted now: set JobAdmissionControl.RejectNetworkedJobs=true ' +
        'to refuse them',
    },
  ],
  ['orchestrator.license.localpath', { replacement: 'Bacalhau needs no license since v1.8' }],
]);

/** What replaces the retired key `key`; undefined when it is not one. */
export function retiredKeyReplacement(key: string): string | undefined {
  return RetiredKeys.get(key.toLowerCase())?.replacement;
}

/**
 * The warnings for `raw`, found at the unknown key `key`, when it holds retired keys and nothing else;
 * undefined otherwise (then it is an unknown key, an empty mapping included).
 */
export function retiredKeyWarnings(key: string, raw: unknown): string[] | undefined {
  const warnings: string[] = [];
  const visit = (path: string, value: unknown): boolean => {
    if (isPlainObject(value)) {
      const entries = Object.entries(value);
      return entries.length > 0 && entries.every(([name, v]) => visit(`${path}.${name}`, v));
    }
    const retired = RetiredKeys.get(path.toLowerCase());
    if (retired === undefined) return false;
    const replacement =
      value === false || value === 'false' ? (retired.ifFalse ?? retired.replacement) : retired.replacement;
    warnings.push(`"${path}" is a key of an earlier Bacalhau version, ignored: ${replacement}`);
    return true;
  };
  return visit(key, raw) ? warnings : undefined;
}
