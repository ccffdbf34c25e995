import { describe, expect, it } from 'vitest';
import { claimLocalInputs, type InputUser } from './local-inputs-in-use.js';

const claim = (user: InputUser, paths: string[], writable = user === 'docker') => {
  const claimed = claimLocalInputs(
    user,
    paths.map((path) => ({ path, writable })),
  );
  if ('conflict' in claimed) throw new Error(claimed.conflict);
  return claimed;
};
/** Whether the claim is refused; one granted is released at once. */
const refused = (user: InputUser, path: string, writable = user === 'docker'): boolean => {
  const claimed = claimLocalInputs(user, [{ path, writable }]);
  if ('conflict' in claimed) return true;
  claimed.release();
  return false;
};

describe('claimLocalInputs', () => {
  it("refuses a WASM task's input that overlaps a running Docker task's writable one, either way", () => {
    const docker = claim('docker', ['/data/shared']);
    for (const path of ['/data/shared/work', '/data/shared', '/data'])
      expect(refused('wasm', path)).toBe(true);
    expect(refused('wasm', '/data/shared-not')).toBe(false);
    const apart = claim('wasm', ['/data/other']);
    expect(refused('docker', '/data/other/x')).toBe(true);
    docker.release();
    apart.release();
    // once released, nothing stands in the way
    claim('wasm', ['/data/shared/work']).release();
  });

  it("refuses a WASM task's input that overlaps another WASM task's writable one, either way", () => {
    const writer = claim('wasm', ['/data/s'], true);
    expect(refused('wasm', '/data/s/x')).toBe(true);
    expect(refused('wasm', '/data', true)).toBe(true);
    writer.release();
    const readers = [claim('wasm', ['/data/s']), claim('wasm', ['/data/s/x'])];
    expect(refused('wasm', '/data/s', true)).toBe(true);
    for (const reader of readers) reader.release();
  });

  it("follows a Docker task's writable inputs where they moved, keeping the paths recorded", () => {
    const docker = claim('docker', ['/data/p/q']);
    let now: string[] | 'unknown' = ['/data/p/q2'];
    docker.follow(() => now);
    expect(refused('wasm', '/data/p/q2/work')).toBe(true);
    expect(refused('wasm', '/data/p/q')).toBe(true);
    expect(refused('wasm', '/data/p/q3')).toBe(false);
    // where it is now is asked each time
    now = ['/data/p/q3'];
    expect(refused('wasm', '/data/p/q3')).toBe(true);
    // where it is cannot be told: no WASM task with a local input runs meanwhile; Docker tasks do
    now = 'unknown';
    expect(refused('wasm', '/elsewhere')).toBe(true);
    expect(refused('docker', '/elsewhere')).toBe(false);
    docker.release();
    expect(refused('wasm', '/elsewhere')).toBe(false);
  });

  it('lets Docker tasks share folders, and tasks without local inputs through', () => {
    const first = claim('docker', ['/data/shared']);
    const second = claim('docker', ['/data/shared/work']);
    expect(claimLocalInputs('wasm', [])).toHaveProperty('release');
    first.release();
    second.release();
  });
});
