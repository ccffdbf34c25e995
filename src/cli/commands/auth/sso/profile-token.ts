/**
 * The SSO token in a connection profile, as Go's `auth sso login` keeps it: in the profile in use, or else
 * in a profile named after the address (`http://127.0.0.1:1234` → `127_0_0_1_1234`), created when missing
 * and selected when no profile is current, so that later commands send the token.
 *
 * Deliberate differences: Go saves into the address-named profile even when another profile is in use,
 * and its logout leaves the token in the profile (which then keeps being sent); here logout removes it.
 */
import type { CliTarget } from '../../../api-client.js';
import { ProfileStore } from '../../../profile/store.js';

/**
 * Go's `endpointToProfileName`: host and port, with separators turned into single underscores. The port
 * is read as written: WHATWG URLs drop a scheme's default port, Go keeps it (`…:443` → `…_443`).
 */
export function endpointProfileName(address: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d+))?/i.exec(address);
  const name = (
    authority === null
      ? address
      : authority[1]?.replace(/^\[|\]$/g, '') + (authority[2] === undefined ? '' : `_${authority[2]}`)
  )
    .replace(/:\/\/|[:/.-]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  return name === '' ? 'default' : name;
}

function tokenProfile(target: CliTarget): { store: ProfileStore; name: string } {
  return {
    store: ProfileStore.forDataDir(target.config.DataDir),
    name: target.profile?.name ?? endpointProfileName(target.address),
  };
}

/** Saves `token` in the profile; returns the profile's name. @throws when the profile cannot be written */
export function saveProfileToken(target: CliTarget, token: string): string {
  const { store, name } = tokenProfile(target);
  const profile = store.exists(name) ? store.load(name) : { endpoint: target.address };
  store.save(name, { ...profile, auth: { token } });
  if (store.current() === '') store.select(name);
  return name;
}

/** Removes `token` from the profile that holds it; a profile holding another token keeps it. */
export function removeProfileToken(target: CliTarget, token: string): void {
  const { store, name } = tokenProfile(target);
  if (!store.exists(name)) return;
  const profile = store.load(name);
  if (profile.auth?.token !== token) return;
  delete profile.auth;
  store.save(name, profile);
}
