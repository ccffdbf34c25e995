import { describe, expect, it } from 'vitest';
import { decodeJobSpec } from '../../models/jobspec/decode.js';
import { parseSpecDocument } from '../../models/jobspec/parse.js';
import type { Job } from '../../models/job.js';
import type { SpecConfig } from '../../models/spec-config.js';
import { makeJob, taskOf } from './testing.js';
import { legacyWasmModuleTransformer as transform } from './wasm-legacy.js';

const url = (u: string): SpecConfig => ({ Type: 'urlDownload', Params: { URL: u } });
const wasmJob = (params: Record<string, unknown>, extra: Partial<Job['Tasks'][number]> = {}): Job =>
  makeJob({}, { Engine: { Type: 'wasm', Params: params }, ...extra });

describe('legacyWasmModuleTransformer', () => {
  it('leaves jobs of other engines alone', () => {
    const job = makeJob();
    expect(transform(job)).toBe(job);
  });

  it('leaves params in the current form alone', () => {
    const params = { EntryModule: '/entry.wasm', Entrypoint: 'run', Parameters: ['--arg1', 'value1'] };
    const job = wasmJob(params, {
      InputSources: [{ Source: url('https://x/e.wasm'), Alias: '', Target: '/entry.wasm' }],
    });
    expect(taskOf(transform(job))).toEqual(taskOf(job));
  });

  it('leaves a wasm job without modules alone', () => {
    const out = transform(wasmJob({}));
    expect(taskOf(out).InputSources).toBeUndefined();
    expect(taskOf(out).Engine?.Params).toEqual({});
  });

  it('moves legacy modules to input sources, keeping their targets', () => {
    const input = wasmJob({
      EntryModule: { Source: url('https://example.com/entry.wasm'), Target: '/entry.wasm' },
      EntryPoint: 'run',
      Parameters: ['--arg1', 'value1'],
      ImportModules: [{ Source: url('https://example.com/import.wasm'), Target: '/import.wasm' }],
    });
    const task = taskOf(transform(input));
    expect(task.Engine).toEqual({
      Type: 'wasm',
      Params: {
        EntryModule: '/entry.wasm',
        Entrypoint: 'run',
        Parameters: ['--arg1', 'value1'],
        ImportModules: ['/import.wasm'],
      },
    });
    expect(task.InputSources).toEqual([
      { Source: url('https://example.com/entry.wasm'), Alias: '', Target: '/entry.wasm' },
      { Source: url('https://example.com/import.wasm'), Alias: '', Target: '/import.wasm' },
    ]);
    // The argument is not modified.
    expect(taskOf(input).InputSources).toBeUndefined();
    expect(taskOf(input).Engine?.Params?.['EntryModule']).toEqual({
      Source: url('https://example.com/entry.wasm'),
      Target: '/entry.wasm',
    });
  });

  it('mounts modules without a target at /wasm/entry.wasm and /wasm/imports/module_<i>.wasm', () => {
    const task = taskOf(
      transform(
        wasmJob({
          EntryModule: { Source: url('https://example.com/entry.wasm') },
          ImportModules: [
            { Source: url('https://example.com/import1.wasm') },
            { Source: url('https://example.com/import2.wasm'), Target: '' },
          ],
          EntryPoint: 'main',
          Parameters: ['arg1', 'arg2'],
        }),
      ),
    );
    expect(task.Engine?.Params).toEqual({
      EntryModule: '/wasm/entry.wasm',
      Entrypoint: 'main',
      Parameters: ['arg1', 'arg2'],
      ImportModules: ['/wasm/imports/module_0.wasm', '/wasm/imports/module_1.wasm'],
    });
    expect(task.InputSources?.map((i) => [i.Target, i.Source?.Params?.['URL']])).toEqual([
      ['/wasm/entry.wasm', 'https://example.com/entry.wasm'],
      ['/wasm/imports/module_0.wasm', 'https://example.com/import1.wasm'],
      ['/wasm/imports/module_1.wasm', 'https://example.com/import2.wasm'],
    ]);
  });

  it('converts an entry module alone; absent lists come out null, as Go nil slices', () => {
    const task = taskOf(
      transform(wasmJob({ EntryModule: { Source: url('https://e/e.wasm') }, EntryPoint: 'run' })),
    );
    expect(task.Engine?.Params).toEqual({
      EntryModule: '/wasm/entry.wasm',
      Entrypoint: 'run',
      Parameters: null,
      ImportModules: null,
    });
    expect(task.InputSources).toHaveLength(1);
  });

  it('converts import modules without an entry module', () => {
    const task = taskOf(transform(wasmJob({ ImportModules: [null, { Source: url('https://e/i.wasm') }] })));
    expect(task.Engine?.Params?.['EntryModule']).toBe('');
    // A null module is skipped but keeps its index.
    expect(task.Engine?.Params?.['ImportModules']).toEqual(['/wasm/imports/module_1.wasm']);
  });

  it('appends to existing input sources, even one with the same target (validation rejects that later)', () => {
    const existing = { Source: url('https://example.com/existing.wasm'), Alias: '', Target: '/entry.wasm' };
    const task = taskOf(
      transform(
        wasmJob(
          { EntryModule: { Source: url('https://example.com/entry.wasm'), Target: '/entry.wasm' } },
          { InputSources: [existing] },
        ),
      ),
    );
    expect(task.InputSources).toHaveLength(2);
    expect(task.InputSources?.[0]).toEqual(existing);
    expect(task.Engine?.Params?.['EntryModule']).toBe('/entry.wasm');
  });

  it("converts Bacalhau's testdata/jobs/wasm_legacy.yaml (lower-level keys in any case, extra keys dropped)", () => {
    const { job } = decodeJobSpec(
      parseSpecDocument(`
Name: Wasm Job
Type: batch
Count: 1
Tasks:
  - Name: main
    Engine:
      Type: wasm
      Params:
        EntryModule:
          Alias: ""
          Source:
            Params:
              URL: data:application/wasm;base64,AGFzbQEAAAA=
            Type: inline
          Target: ""
        Entrypoint: _start
        EnvironmentVariables: null
        ImportModules: []
        Parameters: null
`),
      'server',
    );
    const task = taskOf(transform(job));
    expect(task.Engine).toEqual({
      Type: 'wasm',
      Params: {
        EntryModule: '/wasm/entry.wasm',
        Entrypoint: '_start',
        Parameters: null,
        ImportModules: null,
      },
    });
    expect(task.InputSources).toEqual([
      {
        Source: { Type: 'inline', Params: { URL: 'data:application/wasm;base64,AGFzbQEAAAA=' } },
        Alias: '',
        Target: '/wasm/entry.wasm',
      },
    ]);
  });

  it('matches keys case-insensitively, as Go decodes JSON', () => {
    const task = taskOf(
      transform(
        wasmJob({
          entrymodule: { source: { type: 'inline', params: { URL: 'data:,x' } }, target: '/m.wasm' },
          entrypoint: 'go',
        }),
      ),
    );
    expect(task.Engine?.Params).toMatchObject({ EntryModule: '/m.wasm', Entrypoint: 'go' });
    expect(task.InputSources).toEqual([
      { Source: { Type: 'inline', Params: { URL: 'data:,x' } }, Alias: '', Target: '/m.wasm' },
    ]);
  });

  it('matches the engine type case-insensitively', () => {
    const job = makeJob(
      {},
      { Engine: { Type: 'WASM', Params: { EntryModule: { Source: url('https://e') } } } },
    );
    expect(taskOf(transform(job)).InputSources).toHaveLength(1);
  });

  it.each([
    [{ EntryModule: { Target: '/e.wasm' } }, 'invalid entry module: invalid input source: nil spec config'],
    [
      { EntryModule: { Source: { Type: ' ' } } },
      'invalid entry module: invalid input source: missing spec type',
    ],
    [
      { EntryModule: { Source: url('https://e'), Target: 5 } },
      "invalid entry module: field: 'EntryModule.Target' in 'InputSource' is invalid type: 'number' expected: 'string'",
    ],
    [
      { EntryModule: { Source: url('https://e') }, ImportModules: ['/i.wasm'] },
      'invalid import module 0: expected an input source',
    ],
    [
      { ImportModules: [{ Target: '/i.wasm' }] },
      'invalid import module 0: invalid input source: nil spec config',
    ],
    [
      { EntryModule: '/e.wasm', ImportModules: [{ Source: url('https://e') }] },
      'invalid wasm engine params: EntryModule must be an input source when ImportModules are',
    ],
    [
      { EntryModule: { Source: url('https://e') }, Parameters: [1, 2] },
      'invalid wasm engine params: Parameters must be a list of strings',
    ],
    [
      { EntryModule: { Source: url('https://e') }, EntryPoint: 3 },
      'invalid wasm engine params: EntryPoint must be a string',
    ],
  ])('refuses malformed legacy params %j with a ValidationError', (params, message) => {
    expect(() => transform(wasmJob(params))).toThrowError(
      expect.objectContaining({ message, code: 'ValidationError' }),
    );
  });
});
