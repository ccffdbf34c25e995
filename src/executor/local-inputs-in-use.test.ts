import { describe, expect, it } from 'vitest';
import { claimLocalInputs } from './local-inputs-in-use.js';

const claim = (...args: Parameters<typeof claimLocalInputs>) => {
  const claimed = claimLocalInputs(...args);
  if ('conflict' in claimed) throw new Error(claimed.conflict);
  return claimed;
};

describe('claimLocalInputs', () => {
  it("refuses a WASM task's input that overlaps a running Docker task's writable one, either way", () => {
    const docker = claim('docker', ['/data/shared']);
    for (const path of ['/data/shared/work', '/data/shared', '/data']) {
      expect(claimLocalInputs('wasm', [path])).toEqual({
        conflict: expect.stringContaining('overlap') as unknown,
      });
    }
    const apart = claim('wasm', ['/data/other', '/data/shared-not']);
    expect(claimLocalInputs('docker', ['/data/other/x'])).toHaveProperty('conflict');
    docker.release();
    apart.release();
    // once released, nothing stands in the way
    claim('wasm', ['/data/shared/work']).release();
  });

  it('lets tasks of one kind share folders, and tasks without local inputs through', () => {
    const first = claim('docker', ['/data/shared']);
    const second = claim('docker', ['/data/shared/work']);
    expect(claimLocalInputs('wasm', [])).toHaveProperty('release');
    first.release();
    second.release();
    const readers = [claim('wasm', ['/data/a']), claim('wasm', ['/data/a'])];
    for (const reader of readers) reader.release();
  });
});
