import { describe, expect, it } from 'vitest';
import { hostPathOf } from './modules.js';

describe('hostPathOf', () => {
  const volumes = [
    { source: '/host/a', target: '/inputs', readOnly: true },
    { source: '/host/b', target: '/inputs/nested', readOnly: true },
    { source: '/host/m.wasm', target: '/app/m.wasm', readOnly: true },
  ];

  it('maps a guest path through the input with the longest matching target', () => {
    expect(hostPathOf('/inputs/x/y', volumes)).toBe('/host/a/x/y');
    expect(hostPathOf('/inputs/nested/z', volumes)).toBe('/host/b/z');
    expect(hostPathOf('/app/m.wasm', volumes)).toBe('/host/m.wasm');
    expect(hostPathOf('app/m.wasm', volumes)).toBe('/host/m.wasm');
  });

  it('finds nothing outside the inputs, nor through a look-alike prefix or ..', () => {
    expect(hostPathOf('/inputsX/file', volumes)).toBeUndefined();
    expect(hostPathOf('/inputs/../etc/passwd', volumes)).toBeUndefined();
    expect(hostPathOf('/other', volumes)).toBeUndefined();
  });
});
