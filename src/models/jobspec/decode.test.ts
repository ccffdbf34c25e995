import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BacalhauError } from '../bacerrors.js';
import { prepareJobForSubmission } from './client.js';
import { loadJobSpec } from './decode.js';
import { parseSpecDocument } from './parse.js';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/jobs');
const fixture = (path: string): string => readFileSync(join(fixtures, path), 'utf8');

/** The problems a spec is rejected with, one per line. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BacalhauError);
    expect((err as BacalhauError).code).toBe('ValidationError');
    return (err as BacalhauError).message.split('\n');
  }
  throw new Error('expected the spec to be rejected');
}

describe('parseSpecDocument', () => {
  it('reads YAML and JSON to the same data', () => {
    expect(parseSpecDocument(fixture('valid/docker-output.yaml'))).toEqual(
      parseSpecDocument(fixture('valid/docker-output.json')),
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    const [problem] = problemsOf(() =>
      parseSpecDocument('Name: x\nTasks:\n  - Name: [unclosed\n', 'job.yaml'),
    );
    expect(problem).toMatch(/^job\.yaml: YAML syntax error at line \d+, column \d+: /);
  });

  it('reports broken JSON in JSON terms, where JSON says where', () => {
    const json = '{"Type": "batch", "Count": 1,\n "Tasks": [{"Name": "main" "Engine": {"Type": "wasm"}}]}\n';
    expect(problemsOf(() => parseSpecDocument(json, 'job.json'))).toEqual([
      "job.json: JSON syntax error at line 2, column 28: Expected ',' or '}' after property value",
    ]);
    // JSON's message names no position here: YAML's, which does
    const [problem] = problemsOf(() => parseSpecDocument('[1, 2,, 3]', 'job.json'));
    expect(problem).toMatch(/^job\.json: YAML syntax error at line 1, column \d+: /);
  });

  it('reads what YAML reads of JSON-like documents, as Go does (a trailing comma)', () => {
    expect(parseSpecDocument('{"Type": "batch", "Count": 1,}', 'job.json')).toEqual({
      Type: 'batch',
      Count: 1,
    });
  });

  it('says that a document nested too deeply for the parser is nested too deeply', () => {
    const [problem] = problemsOf(() =>
      parseSpecDocument(`{"Name": "x", "Meta": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`, 'job.json'),
    );
    expect(problem).toMatch(
      /^job\.json: nested too deeply at line 1, column \d+: a job spec is a few levels deep$/,
    );
  });

  it('reports the first YAML error only, as Go does, cut short when it quotes a long line', () => {
    const data = `data:application/wasm;base64,${'A'.repeat(5000)}`;
    const [problem, ...others] = problemsOf(() =>
      parseSpecDocument(`Name: x\nTasks:\n  - Name: [unclosed ${data}\n  - a: [b\nfoo: {\n`, 'job.yaml'),
    );
    expect(others).toEqual([]);
    expect(problem).toMatch(
      /^job\.yaml: YAML syntax error at line \d+, column \d+: .*\(and \d+ more after it\)$/,
    );
    expect(problem?.length).toBeLessThan(400);
  });

  it("keeps the YAML library's warnings off the terminal (a template's {{ .name }} read as a mapping key)", () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(parseSpecDocument('Name: {{ .name }}\nType: batch\n')).toEqual({
        Name: { '{ .name }': null },
        Type: 'batch',
      });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('warns of Params keys the engine, input source or publisher does not read, naming those it does', () => {
    const spec = `
Type: batch
Tasks:
  - Name: main
    Engine:
      Type: docker
      Params: { Imag: busybox, Entrypoint: [echo] }
    InputSources:
      - Target: /in
        Source: { Type: inline, Params: { Content: hello } }
      - Target: /web
        Source: { Type: urlDownload, Params: { url: "http://127.0.0.1:1/x", Headers: { A: b } } }
    Publisher: { Type: local, Params: { Path: /tmp } }
  - Name: custom
    Engine: { Type: my-engine, Params: { Anything: 1 } }
  - Name: module
    Engine: { Type: wasm, Params: { EntryModule: /m.wasm, EnvironmentVariables: { A: b } } }
`;
    expect(loadJobSpec(spec, 'server').warnings).toEqual([
      "Tasks[0].Engine.Params.Imag is not a parameter of the docker engine (it reads Image, Entrypoint, Parameters, EnvironmentVariables, WorkingDirectory) and is ignored: did you mean 'Image'?",
      'Tasks[0].InputSources[0].Source.Params.Content is not a parameter of the inline input source (it reads URL) and is ignored',
      'Tasks[0].InputSources[1].Source.Params.Headers is not a parameter of the urlDownload input source (it reads URL) and is ignored',
      'Tasks[0].Publisher.Params.Path is not a parameter of the local publisher (it reads none) and is ignored',
      // the docs promise it; Go's WASM engine has no such parameter
      "Tasks[2].Engine.Params.EnvironmentVariables is not a parameter of the wasm engine (it reads EntryModule, Entrypoint, Parameters, ImportModules) and is ignored: set the variables in the task's Env instead",
    ]);
  });

  it('warns of result paths with wildcards, which name one folder', () => {
    const spec = `
Type: batch
Tasks:
  - Name: main
    Engine: { Type: docker, Params: { Image: busybox } }
    Publisher: { Type: local }
    ResultPaths:
      - { Name: outputs, Path: /outputs }
      - { Name: core, Path: "/core.*" }
`;
    expect(loadJobSpec(spec, 'client').warnings).toEqual([
      "Tasks[0].ResultPaths[1].Path '/core.*' has a wildcard, which is not expanded: only a folder of that exact name would be saved; have the task write its files into one folder, and give that folder as the path",
    ]);
  });

  it('expands YAML merge keys (<<: *anchor), as Bacalhau does', () => {
    const text = [
      'Type: batch',
      'Tasks:',
      '  - &base',
      '    Name: main',
      '    Engine: {Type: docker, Params: {Image: busybox}}',
      '  - <<: *base',
      '    Name: second',
      '',
    ].join('\n');
    expect(parseSpecDocument(text)).toEqual({
      Type: 'batch',
      Tasks: [
        { Name: 'main', Engine: { Type: 'docker', Params: { Image: 'busybox' } } },
        { Name: 'second', Engine: { Type: 'docker', Params: { Image: 'busybox' } } },
      ],
    });
  });

  it('refuses a second document, saying where it starts', () => {
    expect(problemsOf(() => parseSpecDocument('Type: batch\n---\nType: ops\n', 'job.yaml'))).toEqual([
      'job.yaml: a second YAML document starts at line 2, column 1 (after ---): a job spec is one document, so give each job its own file',
    ]);
  });

  it('reports the position of a duplicate key', () => {
    const [problem] = problemsOf(() => parseSpecDocument('Name: a\nType: batch\nName: b\n'));
    expect(problem).toMatch(/at line 3, column 1: .*[Uu]nique/);
  });

  it.each(['', '   \n', '# only a comment\n'])('rejects an empty document %j', (text) => {
    expect(problemsOf(() => parseSpecDocument(text))).toEqual(['job spec is empty']);
  });

  it.each(['null', '~\n', '# a comment\nnull\n'])('calls a document of null null, not empty: %j', (text) => {
    expect(problemsOf(() => prepareJobForSubmission(text))).toEqual([
      'a job spec must be a mapping of fields, not null',
    ]);
  });

  it('refuses documents over 10 MB, like Bacalhau', () => {
    const big = `Name: x\nMeta:\n  blob: "${'a'.repeat(10_000_001)}"\n`;
    expect(problemsOf(() => parseSpecDocument(big))[0]).toMatch(
      /^size of bytes to unmarshal \(\d+\) larger than maximum allowed \(10000000\)$/,
    );
  });
});

describe('loadJobSpec', () => {
  it('matches keys case-insensitively but keeps map keys as written', () => {
    const { job } = loadJobSpec(fixture('valid/docker-lowercase.yaml'), 'client');
    expect(job).toMatchObject({
      Name: 'a job with lower-case keys',
      Type: 'batch',
      Count: 1,
      Tasks: [
        {
          Name: 'say hello to the world',
          Engine: { Type: 'docker', Params: { image: 'busybox:1.37.0', entrypoint: ['echo'] } },
          Resources: { CPU: '250m', Memory: '64mb' },
          Timeouts: { ExecutionTimeout: 60 },
        },
      ],
    });
  });

  it.each([
    ['batch', 1],
    ['service', 1],
    ['daemon', 0],
    ['ops', 0],
  ])('defaults Count for a %s job without one to %d', (type, count) => {
    const { job } = loadJobSpec(`Type: ${type}\nTasks: []\n`, 'client');
    expect(job.Count).toBe(count);
  });

  it('refuses a list or map of more than 10,000 entries before decoding anything, naming each', () => {
    const spec = {
      Type: 'batch',
      Labels: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`l${i}`, 'x'])),
      Tasks: [
        {
          Name: 'main',
          env: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`V${i}`, 'x'])),
          Engine: { Type: 'docker', Params: { Parameters: Array.from({ length: 20_000 }, () => 'p') } },
        },
      ],
    };
    const err = (() => {
      try {
        loadJobSpec(JSON.stringify(spec), 'server');
      } catch (e) {
        return e as BacalhauError;
      }
      throw new Error('accepted');
    })();
    expect(err.message.split('\n')).toEqual([
      'Labels: 10001 keys, more than the 10000 one list or map of a job spec may hold',
      'Tasks[0].Engine.Params.Parameters: 20000 entries, more than the 10000 one list or map of a job spec may hold',
    ]);
    expect(err.hint).toBe(
      'Pass large data to the task as an input (inline, urlDownload or local) rather than in the spec',
    );
    // 10,000 is still fine
    expect(
      Object.keys(
        loadJobSpec(
          JSON.stringify({ ...spec, Labels: {}, Tasks: [{ ...spec.Tasks[0], Engine: {} }] }),
          'server',
        ).job.Tasks[0]?.Env ?? {},
      ),
    ).toHaveLength(10_000);
  });

  it('keeps an explicit Count of 0 and treats Count: null as absent', () => {
    expect(loadJobSpec('Type: batch\nCount: 0\n', 'client').job.Count).toBe(0);
    expect(loadJobSpec('Type: batch\nCount: null\n', 'client').job.Count).toBe(1);
  });

  it('refuses server-managed and unknown top-level fields on the client, all at once', () => {
    expect(
      problemsOf(() =>
        loadJobSpec('id: j-1\nState: {StateType: Running}\nType: batch\nFlavour: x\nnmae: y\n', 'client'),
      ),
    ).toEqual([
      "field: 'id' in 'Job' is not allowed",
      "field: 'State' in 'Job' is not allowed",
      "unknown field: 'Flavour' in 'Job'",
      "unknown field: 'nmae' in 'Job': did you mean 'Name'?",
    ]);
  });

  it('accepts server-managed fields left at the zero values `--dry-run` prints, and only those', () => {
    const dryRun =
      'ID: ""\nState: {StateType: Undefined}\nVersion: 0\nRevision: 0\nCreateTime: 0\nModifyTime: 0\n';
    const { job } = loadJobSpec(`${dryRun}Type: batch\nName: saved\n`, 'client');
    expect([job.ID, job.Name, job.Version]).toEqual(['', 'saved', 0]);
    expect(problemsOf(() => loadJobSpec('Version: 3\nModifyTime: 1\nType: batch\n', 'client'))).toEqual([
      "field: 'Version' in 'Job' is not allowed",
      "field: 'ModifyTime' in 'Job' is not allowed",
    ]);
  });

  it('accepts server-managed fields on the server, where sanitizing drops them', () => {
    const { job, warnings } = loadJobSpec('ID: j-1\nType: batch\nExtra: 1\n', 'server');
    expect(job.ID).toBe('j-1');
    expect(warnings).toEqual(["unknown field: 'Extra' in 'Job' is ignored"]);
  });

  it('reports type mismatches with the field path, like Bacalhau', () => {
    expect(
      problemsOf(() =>
        loadJobSpec('Type: batch\nCount: "2"\nTasks:\n  - Name: 7\n    Env: {A: 1}\n', 'client'),
      ),
    ).toEqual([
      "field: 'Count' in 'Job' is invalid type: 'string' expected: 'int'",
      "field: 'Tasks.Name' in 'Task' is invalid type: 'number' expected: 'string'",
      "field: 'Tasks.Env.A' in 'Task' is invalid type: 'number' expected: 'models.EnvVarValue'",
    ]);
  });

  it('warns about unknown nested fields, suggesting the intended one', () => {
    const { warnings } = loadJobSpec(
      'Type: batch\nTasks:\n  - Name: main\n    Engine: {Type: docker}\n    Resouces: {CPU: "1"}\n',
      'client',
    );
    expect(warnings).toEqual([
      "unknown field: 'Resouces' in 'Task' (at Tasks[0]) is ignored: did you mean 'Resources'?",
    ]);
  });

  it('rejects a network type Bacalhau does not know', () => {
    expect(
      problemsOf(() =>
        loadJobSpec('Type: batch\nTasks:\n  - Name: m\n    Network: {Type: wifi}\n', 'client'),
      ),
    ).toEqual([
      "field: 'Tasks[0].Network.Type' in 'NetworkConfig' is invalid: models.Network: unknown type 'wifi'",
    ]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf(() => loadJobSpec('- a\n- b\n', 'client'))).toEqual([
      'a job spec must be a mapping of fields, not an array',
    ]);
  });
});

describe('aspirational fields from the docs (reference §12)', () => {
  it.each([
    ['ExecutionPlan', 'Count partitions in parallel'],
    ['UpdateStrategy', 'same Name to create a new version'],
    ['RestartPolicy', 'restarted automatically'],
    ['ErrorHandling', 'retried on other nodes automatically'],
  ])('rejects %s with a hint naming the real mechanism', (field, hint) => {
    const [problem] = problemsOf(() => loadJobSpec(`Type: batch\n${field}: {}\n`, 'client'));
    expect(problem).toContain(`unknown field: '${field}' in 'Job': `);
    expect(problem).toContain(hint);
  });

  it('runs a spec with the extra network options, warning that each is ignored and why', () => {
    const { warnings } = loadJobSpec(fixture('seeds/001-network-extras.json'), 'client');
    expect(warnings).toEqual([
      expect.stringMatching(
        /^unknown field: 'EnableIPv6' in 'NetworkConfig' \(at Tasks\[0\]\.Network\) is ignored: /,
      ),
      expect.stringMatching(/^unknown field: 'DNS' in 'NetworkConfig' .* is ignored: .*node resolver/),
      expect.stringMatching(
        /^unknown field: 'Policies' in 'NetworkConfig' .* is ignored: .*Network\.Domains/,
      ),
    ]);
  });

  it('warns alike on the client and the server about ResultPath Type, Format and Compression', () => {
    for (const side of ['client', 'server'] as const) {
      const { warnings } = loadJobSpec(fixture('seeds/001-result-path-compression.json'), side);
      expect(warnings).toHaveLength(4);
      expect(warnings[0]).toMatch(
        /^unknown field: 'Type' in 'ResultPath' \(at Tasks\[0\]\.ResultPaths\[0\]\) is ignored: /,
      );
      expect(warnings.find((w) => w.includes("'Compression'"))).toContain("s3 publisher's Encoding");
    }
  });
});

describe('prepareJobForSubmission', () => {
  it('lists the fields it ignored with the problems of a refused spec', () => {
    const spec = [
      'Type: batch',
      'Tasks:',
      '  - Name: main',
      '    Engin: {Type: docker, Params: {Image: ubuntu}}',
      '    Resources: {CPU: lots}',
    ].join('\n');
    const problems = problemsOf(() => prepareJobForSubmission(spec));
    expect(problems.at(-1)).toBe(
      "unknown field: 'Engin' in 'Task' (at Tasks[0]) is ignored: did you mean 'Engine'?",
    );
    expect(problems.slice(0, -1).join('\n')).toMatch(/engine/i);
    expect(problems.slice(0, -1).join('\n')).toMatch(/lots/);
  });
});

describe('legacy v0 specs', () => {
  it('converts the seed spec to a current job, warning about each field without meaning', () => {
    const { job, warnings } = prepareJobForSubmission(fixture('seeds/000-legacy-stable-diffusion.json'));
    expect(job).toMatchObject({
      Type: 'batch',
      Count: 1,
      Tasks: [
        {
          Name: 'main',
          Engine: {
            Type: 'docker',
            Params: {
              Image: 'ghcr.io/bacalhau-project/examples/stable-diffusion-gpu:0.0.1',
              Entrypoint: ['python', 'main.py', '--o', './outputs', '--p', 'A User Prompt Goes here'],
            },
          },
          Resources: { GPU: '1' },
          ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
        },
      ],
    });
    // estuary's nearest equivalent: the results stay on the node, and `job get` fetches them
    expect(job.Tasks[0]?.Publisher).toEqual({ Type: 'local' });
    expect(warnings).toEqual([
      expect.stringMatching(/^this is a legacy \(v0\) job spec/),
      'legacy field Verifier has no meaning any more and is ignored: verification was removed from Bacalhau',
      expect.stringMatching(
        /^legacy field PublisherSpec has no meaning any more .*estuary publisher no longer exists/,
      ),
    ]);
  });

  it('converts the wrapped form with inputs, WASM modules, deal targeting and timeouts', () => {
    const spec = {
      APIVersion: 'V1beta1',
      Metadata: { ID: 'old' },
      Spec: {
        Engine: 'Wasm',
        Wasm: {
          EntryModule: { StorageSource: 'inline', URL: 'data:,x' },
          EntryPoint: '_start',
          Parameters: ['a'],
          EnvironmentVariables: { GREETING: 'hi' },
          ImportModules: [{ StorageSource: 'ipfs', CID: 'QmX' }],
        },
        Inputs: [{ StorageSource: 'urlDownload', URL: 'https://example.com/x.csv', Path: '/inputs' }],
        PublisherSpec: { Type: 'ipfs' },
        Deal: { TargetingMode: 'all', Concurrency: 3, Confidence: 2 },
        Timeout: 90.5,
        Annotations: ['demo'],
        NodeSelectors: [{ Key: 'zone', Operator: '=', Values: ['a'] }],
      },
    };
    const { job, warnings } = prepareJobForSubmission(JSON.stringify(spec));
    expect(job).toMatchObject({
      Type: 'ops',
      Count: 0,
      Labels: { demo: '' },
      Constraints: [{ Key: 'zone', Operator: '=', Values: ['a'] }],
      Tasks: [
        {
          Engine: {
            Type: 'wasm',
            Params: {
              EntryModule: '/wasm/entry.wasm',
              ImportModules: ['/wasm/imports/module_0.wasm'],
              Entrypoint: '_start',
              Parameters: ['a'],
            },
          },
          Env: { GREETING: 'hi' },
          Publisher: { Type: 'ipfs' },
          Timeouts: { TotalTimeout: 91 },
          InputSources: [
            {
              Source: { Type: 'urlDownload', Params: { URL: 'https://example.com/x.csv' } },
              Target: '/inputs',
            },
            { Source: { Type: 'inline', Params: { URL: 'data:,x' } }, Target: '/wasm/entry.wasm' },
            { Source: { Type: 'ipfs', Params: { CID: 'QmX' } }, Target: '/wasm/imports/module_0.wasm' },
          ],
        },
      ],
    });
    expect(warnings.filter((w) => w.startsWith('legacy field'))).toEqual([
      expect.stringMatching(/^legacy field Metadata /),
      expect.stringMatching(/^legacy field Deal\.Confidence /),
    ]);
  });

  it('takes for a current spec one with a task field written at the top, or another format (Kubernetes)', () => {
    const topLevelEngine =
      'Name: tle\nType: batch\nEngine:\n  Type: docker\n  Params: {Image: busybox, Entrypoint: [echo, hi]}\n';
    expect(problemsOf(() => prepareJobForSubmission(topLevelEngine))).toEqual([
      "unknown field: 'Engine' in 'Job'",
      'missing job tasks',
    ]);
    const misspeltTasks = 'Name: tt\nType: batch\nResources: {CPU: 1}\nTask:\n  - Name: main\n';
    expect(problemsOf(() => prepareJobForSubmission(misspeltTasks))).toEqual([
      "unknown field: 'Resources' in 'Job'",
      "unknown field: 'Task' in 'Job': did you mean 'Tasks'?",
      'missing job tasks',
    ]);
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n';
    expect(problemsOf(() => prepareJobForSubmission(pod))).toEqual(
      expect.arrayContaining(["unknown field: 'kind' in 'Job'", "unknown field: 'spec' in 'Job'"]),
    );
  });

  it("keeps a current job's fields written in a legacy spec, over the legacy fields they replace", () => {
    const spec = [
      'Name: my-v0-job',
      'Namespace: team',
      'Type: service',
      'Count: 3',
      'Priority: 5',
      'Labels: {a: b}',
      'Meta: {owner: me}',
      'Annotations: [old]',
      'Engine: Docker',
      'publisher: Estuary',
      'Docker: {Image: local/busybox:latest, Entrypoint: [sleep, "60"]}',
      'Deal: {Concurrency: 2}',
    ].join('\n');
    const { job, warnings } = prepareJobForSubmission(spec);
    expect(job).toMatchObject({
      Name: 'my-v0-job',
      Namespace: 'team',
      Type: 'service',
      Count: 3,
      Priority: 5,
      Labels: { a: 'b' },
      Meta: { owner: 'me' },
      Tasks: [{ Publisher: { Type: 'local' } }],
    });
    expect(warnings.slice(1)).toEqual([
      // the key the spec has, not the other legacy spelling
      expect.stringMatching(
        /^legacy field Publisher has no meaning any more .*Estuary publisher no longer exists/,
      ),
      'Count is used, and the legacy field Deal.Concurrency it replaces is ignored',
      'Labels is used, and the legacy field Annotations it replaces is ignored',
    ]);
  });

  it('says that an IPFS publisher is kept for nodes that have one', () => {
    const spec = 'Engine: Docker\nPublisherSpec: {Type: IPFS}\nDocker: {Image: local/busybox:latest}\n';
    const { job, warnings } = prepareJobForSubmission(spec);
    expect(job.Tasks[0]?.Publisher).toEqual({ Type: 'ipfs' });
    expect(warnings.slice(1)).toEqual([
      'PublisherSpec IPFS is kept: only nodes with an IPFS publisher can run the job (bacalhau-ts nodes ' +
        'publish with local and noop); set Tasks[0].Publisher to local for results the node serves to `job get`',
    ]);
  });

  it('names what is wrong in a broken legacy spec', () => {
    expect(
      problemsOf(() =>
        loadJobSpec(JSON.stringify({ Engine: 'docker', Inputs: [{ StorageSource: 'ipfs' }] }), 'client'),
      ),
    ).toEqual(['legacy spec: Inputs[0] is missing CID']);
  });
});

describe('the fixture corpus', () => {
  const valid = readdirSync(join(fixtures, 'valid'));

  it.each(valid)('valid/%s passes client validation', (file) => {
    expect(() => prepareJobForSubmission(fixture(`valid/${file}`))).not.toThrow();
  });

  it('empty.yaml is rejected', () => {
    expect(problemsOf(() => prepareJobForSubmission(fixture('invalid/empty.yaml')))).toEqual([
      'job spec is empty',
    ]);
  });

  it('a nameless job keeps an empty name for the server to fill', () => {
    expect(prepareJobForSubmission(fixture('valid/nameless.yaml')).job.Name).toBe('');
  });
});

describe('hints for problems whose message does not say the fix', () => {
  const hintFor = (spec: string): string => {
    try {
      prepareJobForSubmission(spec);
    } catch (err) {
      return (err as BacalhauError).hint;
    }
    throw new Error('the spec was accepted');
  };
  const task = (extra: string): string =>
    `Tasks:\n  - Name: main\n    Engine: {Type: docker, Params: {Image: busybox}}\n${extra}`;

  it.each([
    ['a missing job type', task(''), 'Type is one of batch, service, daemon or ops'],
    ['an unknown job type', `Type: batchy\n${task('')}`, 'Type is one of batch, service, daemon or ops'],
    [
      'an unquoted number as CPU',
      `Type: batch\n${task('    Resources: {CPU: 1}\n')}`,
      'resources are strings: quote a number in YAML (CPU: "1"), or give a unit (Memory: 512mb)',
    ],
    [
      'an input source without a target',
      `Type: batch\n${task('    InputSources: [{Source: {Type: urlDownload, Params: {URL: "https://x.org/a"}}}]\n')}`,
      'give each input source a Target: the absolute path where the task finds it, e.g. /inputs',
    ],
    [
      'a lower-case environment variable name',
      `Type: batch\n${task('    Env: {foo: bar}\n')}`,
      'write environment variable names in upper case: MY_VAR, not my_var',
    ],
  ])('%s', (_name, spec, hint) => {
    expect(hintFor(spec)).toBe(hint);
  });
});
