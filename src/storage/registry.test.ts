import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../models/index.js';
import { InlineStorage } from './inline/index.js';
import { LocalStorage } from './local/index.js';
import { StorageRegistry } from './registry.js';

describe('StorageRegistry', () => {
  it('finds providers by wire type, in any case, and local by its old name', async () => {
    const inline = new InlineStorage();
    const local = await LocalStorage.create({ allowListedLocalPaths: ['/data/**'] });
    const registry = new StorageRegistry({ inline, local });
    expect(await registry.get(' INLINE ')).toBe(inline);
    expect(await registry.get('localDirectory')).toBe(local);
    expect(await registry.installedTypes()).toEqual(['inline', 'local', 'localDirectory']);
  });

  it('leaves out providers that are not installed and says what is supported', async () => {
    const registry = new StorageRegistry({
      inline: new InlineStorage(),
      local: await LocalStorage.create({ allowListedLocalPaths: [] }),
    });
    expect(await registry.installedTypes()).toEqual(['inline']);
    await expect(registry.get('local')).rejects.toMatchObject({
      code: ErrorCode.NotImplemented,
      message: 'Source.Type: input type "local" is not supported by this compute node',
      hint: expect.stringContaining('This node supports inline') as unknown,
      details: { Field: 'Source.Type' },
    });
  });
});
