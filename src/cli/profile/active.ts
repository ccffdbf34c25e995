/**
 * The profile a client command connects with (Bacalhau's `profile.Loader`): `--profile`, else
 * `BACALHAU_PROFILE`, else the `current` profile. Explicit API flags or settings (a host other than
 * 0.0.0.0 or a port other than 1234, from flags, env or config) win over any profile, as in Go.
 *
 * Deliberate difference: Go silently falls back to 127.0.0.1:1234 when the named profile does not
 * exist; here a profile named by flag or environment must exist, so a typo is reported instead of
 * talking to the wrong cluster. A dangling `current` link is ignored, as in Go.
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { durationToMs } from '../../models/duration.js';
import { goQuote } from '../../models/go-compat.js';
import type { BacalhauConfig } from '../../config/index.js';
import { ProfileStore, type Profile } from './store.js';

export interface ActiveProfile {
  readonly name: string;
  readonly profile: Profile;
  /** The API base URL. */
  readonly address: string;
  readonly timeoutMs?: number;
}

/**
 * Why `endpoint` cannot be a profile's API endpoint, or undefined: it must be `host:port` or an http(s)
 * URL (Go stores any text).
 */
export function endpointProblem(endpoint: string): string | undefined {
  const text = endpoint.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
  if (scheme !== undefined && !/^https?$/i.test(scheme)) {
    return `${scheme}:// is not a scheme the API speaks; give host:port, http://host:port or https://host:port`;
  }
  try {
    new URL(scheme === undefined ? `http://${text}` : text);
  } catch {
    return 'it is not an address; give host:port, http://host:port or https://host:port';
  }
  return undefined;
}

/** A profile endpoint as a base URL: `host:port` gets `http://`; a URL keeps only scheme and authority. */
function endpointAddress(endpoint: string): string {
  const text = endpoint.trim();
  return /^https?:\/\//i.test(text) ? new URL(text).origin : `http://${text}`;
}

export function activeProfile(
  config: Pick<BacalhauConfig, 'API' | 'DataDir'>,
  selection: { flag: string; env: string },
): ActiveProfile | undefined {
  if (config.API.Host !== '0.0.0.0' || config.API.Port !== 1234) return undefined;
  const store = ProfileStore.forDataDir(config.DataDir);
  const named = selection.flag || selection.env;
  let name = named;
  if (name === '') {
    try {
      name = store.current();
    } catch {
      return undefined;
    }
    if (name === '' || !store.exists(name)) return undefined;
  }
  const profile = store.load(name);
  const problem = endpointProblem(profile.endpoint ?? '');
  if (problem !== undefined) {
    throw new BacalhauError(
      `profile ${goQuote(name)} has endpoint ${goQuote(profile.endpoint ?? '')}: ${problem}`,
      {
        code: ErrorCode.ConfigurationError,
        component: 'CLI',
        hint: `Fix it with 'bacalhau profile save ${name} --endpoint <host:port>'`,
      },
    );
  }
  const timeout = profile.timeout ?? '';
  return {
    name,
    profile,
    address: endpointAddress(profile.endpoint ?? ''),
    ...(timeout === '' ? {} : { timeoutMs: durationToMs(timeout) }),
  };
}
