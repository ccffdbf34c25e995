import { describe, expect, it } from 'vitest';
import { InstalledProviders } from './installed-providers.js';

function provider(installed: boolean | Error) {
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    isInstalled: () => {
      asked++;
      return installed instanceof Error ? Promise.reject(installed) : Promise.resolve(installed);
    },
  };
}

describe('InstalledProviders', () => {
  it('finds installed providers by type, case-insensitively, asking each installation once', async () => {
    const docker = provider(true);
    const broken = provider(false);
    const failing = provider(new Error('daemon gone'));
    const providers = new InstalledProviders({ Docker: docker, wasm: broken, s3: failing, ipfs: undefined });
    expect(await providers.find(' docker ')).toBe(docker);
    expect(await providers.find('DOCKER')).toBe(docker);
    expect(await providers.find('wasm')).toBeUndefined();
    expect(await providers.find('s3')).toBeUndefined();
    expect(await providers.find('ipfs')).toBeUndefined();
    expect(await providers.installedTypes()).toEqual(['Docker']);
    expect(await providers.installed()).toEqual([docker]);
    expect(docker.asked).toBe(1);
    expect(providers.all()).toEqual([
      ['Docker', docker],
      ['wasm', broken],
      ['s3', failing],
    ]);
  });
});
