import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../bacerrors.js';
import { decodeWasmSpec } from './wasm.js';

describe('decodeWasmSpec', () => {
  it('fills the defaults and matches keys case-insensitively', () => {
    expect(decodeWasmSpec({ Type: 'wasm', Params: { entrymodule: '/app/main.wasm' } })).toEqual({
      EntryModule: '/app/main.wasm',
      Entrypoint: '_start',
      Parameters: [],
      ImportModules: [],
    });
    expect(
      decodeWasmSpec({
        Type: 'wasm',
        Params: { EntryModule: '/m', EntryPoint: 'run', Parameters: ['a'], ImportModules: ['/lib'] },
      }),
    ).toEqual({ EntryModule: '/m', Entrypoint: 'run', Parameters: ['a'], ImportModules: ['/lib'] });
  });

  it.each([
    [{}, 'EntryModule is required'],
    [{ EntryModule: ' ' }, 'EntryModule is required'],
    [
      { EntryModule: ['/m'] },
      'EntryModule must be a string (the target path of the input holding the module), not a list',
    ],
    [{ EntryModule: '/m', Entrypoint: 3 }, 'Entrypoint must be a string, not a number (3)'],
    [{ EntryModule: '/m', Parameters: 'a b' }, 'Parameters must be a list of strings, not a string ("a b")'],
    [
      { EntryModule: '/m', ImportModules: [1] },
      'ImportModules must be a list of strings, not a list holding a number (1)',
    ],
    [
      // however deep: the list is shown, clipped, not described a level at a time
      { EntryModule: '/m', Parameters: [JSON.parse('['.repeat(50) + ']'.repeat(50)) as unknown] },
      `Parameters must be a list of strings, not a list holding a list (${'['.repeat(39)}…)`,
    ],
  ])('refuses %j', (params, problem) => {
    expect(() => decodeWasmSpec({ Type: 'wasm', Params: params })).toThrow(problem);
    expect(() => decodeWasmSpec({ Type: 'wasm', Params: params })).toThrow(
      expect.objectContaining({ code: ErrorCode.ExecutorSpecValidationErr }),
    );
  });

  it('lists every problem of the params, one a line', () => {
    const params = { Entrypoint: 3, Parameters: 'a b', ImportModules: [1] };
    expect(() => decodeWasmSpec({ Type: 'wasm', Params: params })).toThrow(
      [
        'invalid WASM engine params: EntryModule is required: the target path of the input holding the module',
        'invalid WASM engine params: Entrypoint must be a string, not a number (3)',
        'invalid WASM engine params: Parameters must be a list of strings, not a string ("a b")',
        'invalid WASM engine params: ImportModules must be a list of strings, not a list holding a number (1)',
      ].join('\n'),
    );
  });
});
