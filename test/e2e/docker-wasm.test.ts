/** `bacalhau docker run` and `wasm run`: the job their flags build (as Go's --dry-run prints it), submitted. */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startLiveNode, type LiveNode } from './live-node.js';

let live: LiveNode;

beforeAll(async () => {
  live = await startLiveNode();
  await live.addComputeNode('n-compute-1', { run: { action: 'complete', result: { Stdout: 'hi\n' } } });
});
afterAll(() => live.stop());

/** The job a command submitted, as the node stores it. */
async function storedJob(id: string): Promise<Record<string, unknown>> {
  const run = await live.run(['job', 'describe', id, '--output', 'json']);
  return (JSON.parse(run.stdout) as { Job: Record<string, unknown> }).Job;
}

describe('docker run --dry-run', () => {
  it("prints Go's YAML of the job, zero values and nulls included", async () => {
    const run = await live.run(['docker', 'run', '--dry-run', 'ubuntu', 'echo', 'hello']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        'Constraints: null',
        'Count: 1',
        'CreateTime: 0',
        'ID: ""',
        'Labels: {}',
        'Meta: null',
        'ModifyTime: 0',
        'Name: ""',
        'Namespace: default',
        'Priority: 0',
        'Revision: 0',
        'State:',
        '  StateType: Undefined',
        'Tasks:',
        '- Engine:',
        '    Params:',
        '      Entrypoint: null',
        '      EnvironmentVariables: null',
        '      Image: ubuntu',
        '      Parameters:',
        '      - echo',
        '      - hello',
        '      WorkingDirectory: ""',
        '    Type: docker',
        '  Name: main',
        '  Publisher: null',
        '  Resources: {}',
        '  Timeouts: {}',
        'Type: batch',
        'Version: 0',
        '',
      ].join('\n'),
    );
  });

  it('prints a spec that job run accepts, as the help says (save it with > job.yaml)', async () => {
    const dry = await live.run(['docker', 'run', '--dry-run', 'ubuntu', 'echo', 'saved']);
    const file = join(live.dataDir, 'dry-run.yaml');
    writeFileSync(file, dry.stdout);
    const run = await live.run(['job', 'run', '--id-only', '--wait=false', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const job = await storedJob(run.stdout.trim());
    expect(job['Tasks']).toMatchObject([
      { Engine: { Params: { Image: 'ubuntu', Parameters: ['echo', 'saved'] } } },
    ]);
  });

  it("fails, as a real run does, when the container's -c was taken for the CLI's --config", async () => {
    for (const engine of [
      ['docker', 'run', '--dry-run', 'ubuntu'],
      ['wasm', 'run', '--dry-run', 'main.wasm'],
    ]) {
      const run = await live.run([...engine, 'sh', '-c', 'echo hi']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain("--config flag: specified configuration file doesn't exist: echo hi");
    }
  });

  it("notes flags written after the image or module: they are read as the CLI's own, as Go reads them", async () => {
    const docker = await live.run(['docker', 'run', '--dry-run', 'ubuntu', 'ls', '-la', '/tmp']);
    expect(docker.code).toBe(0);
    expect(parse(docker.stdout)).toMatchObject({
      Labels: { a: '' },
      Tasks: [{ Engine: { Params: { Parameters: ['ls', '/tmp'] } } }],
    });
    expect(docker.stderr).toBe(
      'Note: -la, written after the image, was read as a flag of bacalhau docker run. Arguments for the ' +
        'job go after --: bacalhau docker run [flags] IMAGE -- COMMAND [ARG...]\n',
    );
    const wasm = await live.run([
      ...['--api-port', '1', 'wasm', 'run', '--dry-run', '--memory', '1Gb', 'main.wasm'],
      ...['--cpu', '1', '-i', 'src=file:///a,dst=/a', 'x', '--', '-y'],
    ]);
    expect(wasm.code).toBe(0);
    expect(wasm.stderr).toBe(
      'Note: --cpu -i, written after the module, were read as flags of bacalhau wasm run. Arguments for ' +
        'the job go after --: bacalhau wasm run [flags] MODULE -- [ARG...]\n',
    );
    const clean = await live.run(['docker', 'run', '--dry-run', '-l', 'x', 'ubuntu', '--', 'ls', '-la']);
    expect(clean.stderr).toBe('');
  });

  it('maps every job and task flag onto its field', async () => {
    const run = await live.run([
      'docker',
      'run',
      '--dry-run',
      '--name',
      'etl',
      '--namespace',
      'team',
      '--priority',
      '3',
      '--count',
      '2',
      '-l',
      'env=prod,tier',
      '--constraints',
      'zone in (a,b),!gpu',
      '-i',
      'ipfs://QmCid',
      '-i',
      'src=s3://bucket/data/,dst=/data,opt=region=eu-west-1',
      '-i',
      'https://example.com/a.csv:/csv',
      '-i',
      'file:///srv/x,dst=/x,opt=rw=true',
      '-o',
      'out:/outputs',
      '-p',
      'local',
      '-e',
      'A=1',
      '-e',
      'B=x,y',
      '--cpu',
      '500m',
      '--memory',
      '1Gb',
      '--disk',
      '2Gb',
      '--gpu',
      '1',
      '--network',
      'http',
      '--domain',
      'example.com',
      '--timeout',
      '300',
      '--queue-timeout',
      '60',
      '--task-name',
      'work',
      '--entrypoint',
      'sh,-c',
      '-w',
      '/work',
      'ubuntu:24.04',
      '--',
      'echo',
      '-n',
      'hi',
    ]);
    expect(run.stderr).toBe('');
    const job = parse(run.stdout) as Record<string, unknown>;
    expect(job).toMatchObject({
      Name: 'etl',
      Namespace: 'team',
      Priority: 3,
      Count: 2,
      Type: 'batch',
      Labels: { env: 'prod', tier: '' },
      Constraints: [
        { Key: 'gpu', Operator: '!' },
        { Key: 'zone', Operator: 'in', Values: ['a', 'b'] },
      ],
    });
    const [task] = job['Tasks'] as Record<string, unknown>[];
    expect(task).toEqual({
      Name: 'work',
      Engine: {
        Type: 'docker',
        Params: {
          Image: 'ubuntu:24.04',
          Entrypoint: ['sh', '-c'],
          Parameters: ['echo', '-n', 'hi'],
          EnvironmentVariables: null,
          WorkingDirectory: '/work',
        },
      },
      Publisher: { Type: 'local', Params: {} },
      Env: { A: '1', B: 'x,y' },
      InputSources: [
        { Alias: 'ipfs://QmCid', Source: { Type: 'ipfs', Params: { CID: 'QmCid' } }, Target: '/inputs' },
        {
          Alias: 's3://bucket/data/',
          Source: {
            Type: 's3',
            Params: {
              Bucket: 'bucket',
              Key: 'data/',
              Filter: '',
              Region: 'eu-west-1',
              Endpoint: '',
              VersionID: '',
              ChecksumSHA256: '',
            },
          },
          Target: '/data',
        },
        {
          Alias: 'https://example.com/a.csv',
          Source: { Type: 'urlDownload', Params: { URL: 'https://example.com/a.csv' } },
          Target: '/csv',
        },
        {
          Alias: 'file:///srv/x',
          Source: { Type: 'local', Params: { SourcePath: '/srv/x', ReadWrite: true, CreateAs: '' } },
          Target: '/x',
        },
      ],
      ResultPaths: [{ Name: 'out', Path: '/outputs' }],
      Resources: { CPU: '500m', Memory: '1Gb', Disk: '2Gb', GPU: '1' },
      Network: { Type: 'HTTP', Domains: ['example.com'] },
      Timeouts: { TotalTimeout: 300, QueueTimeout: 60 },
    });
  });

  it("reads shorthands written -x=value as pflag does: the value is what follows the '='", async () => {
    const run = await live.run([
      ...['docker', 'run', '--dry-run', '-e=FOO=bar', '-o=out:/outputs', '-i=ipfs://QmCID:/data'],
      ...['-p=local', '-w=/work', '-l=env=prod', '-f=true', 'ubuntu'],
    ]);
    expect(run.stderr).toBe('');
    const job = parse(run.stdout) as {
      Labels: unknown;
      Tasks: {
        Env: unknown;
        ResultPaths: unknown;
        InputSources: unknown[];
        Publisher: unknown;
        Engine: unknown;
      }[];
    };
    expect(job.Labels).toEqual({ env: 'prod' });
    expect(job.Tasks[0]).toMatchObject({
      Env: { FOO: 'bar' },
      ResultPaths: [{ Name: 'out', Path: '/outputs' }],
      InputSources: [{ Target: '/data', Source: { Type: 'ipfs', Params: { CID: 'QmCID' } } }],
      Publisher: { Type: 'local' },
      Engine: { Params: { WorkingDirectory: '/work' } },
    });
  });

  it('--target all makes an ops job', async () => {
    const run = await live.run(['docker', 'run', '--dry-run', '--target', 'all', '--count', '0', 'ubuntu']);
    expect(parse(run.stdout)).toMatchObject({ Type: 'ops', Count: 0 });
  });

  it("refuses bad flags with Go's messages, before contacting a node", async () => {
    const bad = async (args: string[]): Promise<string> => {
      const run = await live.run(['docker', 'run', '--dry-run', ...args]);
      expect(run.code).not.toBe(0);
      return run.stderr;
    };
    expect(await bad(['-w', 'rel', 'ubuntu'])).toBe(
      '\nError: building docker engine spec: invalid docker engine param: \'WorkingDirectory\' ("rel") must contain absolute path\n',
    );
    expect(await bad([' '])).toBe(
      "\nError: building docker engine spec: invalid docker engine param: 'Image' cannot be empty\n",
    );
    expect(await bad(['-o', 'nocolon', 'ubuntu'])).toContain('invalid output volume: nocolon');
    expect(await bad(['-o', 'out:relative', 'ubuntu'])).toBe(
      '\nError: the job provided is invalid: task main validation failed: invalid output: result path `relative` must be absolute\n',
    );
    expect(await bad(['--target', 'some', 'ubuntu'])).toContain('expecting "any" or "all", not "some"');
    expect(await bad(['-e', 'lower=1', 'ubuntu'])).toContain(
      "environment variable 'lower' must be uppercase",
    );
    expect(await bad(['--network', 'wifi', 'ubuntu'])).toContain("models.Network: unknown type 'wifi'");
    expect(await bad(['--constraints', 'a in (', 'ubuntu'])).toContain(
      '\nError: failed to parse job constraints: failed to parse node selector:',
    );
  });
});

describe('docker run', () => {
  it('submits the job and follows it to completion', async () => {
    const run = await live.run([
      'docker',
      'run',
      '--name',
      'hello',
      '-l',
      'team=e2e',
      'busybox:1.37.0',
      'echo',
      'hi',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = /Job successfully submitted\. Job ID: (j-[0-9a-f-]+)/.exec(run.stdout)?.[1] ?? '';
    expect(run.stdout).toContain(
      `\nTo get more details about the run, execute:\n\tbacalhau job describe ${id}\n`,
    );
    const job = await storedJob(id);
    expect(job).toMatchObject({ Name: 'hello', Labels: { team: 'e2e' }, State: { StateType: 'Completed' } });
    const [task] = job['Tasks'] as { Engine: unknown }[];
    expect(task?.Engine).toEqual({
      Type: 'docker',
      Params: {
        Image: 'busybox:1.37.0',
        Entrypoint: null,
        Parameters: ['echo', 'hi'],
        EnvironmentVariables: null,
        WorkingDirectory: '',
      },
    });
  });

  it('--id-only --wait=false prints the ID alone', async () => {
    const run = await live.run(['docker', 'run', '--id-only', '--wait=false', 'busybox:1.37.0']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^j-[0-9a-f-]{36}\n$/);
  });

  it('--node-details prints what each node said: the header on stdout, the nodes on stderr (as Go)', async () => {
    const run = await live.run(['docker', 'run', '--node-details', 'busybox:1.37.0', 'echo', 'hi']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\nJob Results By Node:\n\nTo get more details');
    expect(run.stderr).toMatch(/^• Node n-compute-1: hi$/m);
  });
});

describe('wasm run', () => {
  const module = (name: string, bytes: Buffer): string => {
    const path = join(live.dataDir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const magic = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

  it('uploads a small local module inline and targets it as main.wasm', async () => {
    const run = await live.run(['wasm', 'run', '--dry-run', module('small.wasm', magic), 'a', 'b']);
    expect(run.stderr).toBe('');
    const [task] = (parse(run.stdout) as { Tasks: Record<string, unknown>[] }).Tasks;
    expect(task?.['Engine']).toEqual({
      Type: 'wasm',
      Params: { EntryModule: 'main.wasm', Entrypoint: '_start', Parameters: ['a', 'b'], ImportModules: null },
    });
    expect(task?.['InputSources']).toEqual([
      {
        Alias: '',
        Source: { Type: 'inline', Params: { URL: 'data:application/wasm;base64,AGFzbQEAAAA=' } },
        Target: 'main.wasm',
      },
    ]);
  });

  it('packs a module over 512 bytes as a gzipped tar, at the path:target given', async () => {
    const big = module('big.wasm', Buffer.concat([magic, Buffer.alloc(1000, 1)]));
    const run = await live.run(['wasm', 'run', '--dry-run', `${big}:/app/main.wasm`, '--entry-point', 'run']);
    const [task] = (
      parse(run.stdout) as {
        Tasks: {
          Engine: { Params: unknown };
          InputSources: { Source: { Params: { URL: string } }; Target: string }[];
        }[];
      }
    ).Tasks;
    expect(task?.Engine.Params).toMatchObject({ EntryModule: '/app/main.wasm', Entrypoint: 'run' });
    expect(task?.InputSources[0]?.Target).toBe('/app/main.wasm');
    expect(task?.InputSources[0]?.Source.Params.URL).toMatch(/^data:application\/gzip;base64,H4sI/);
  });

  it('takes storage URIs and target paths for modules; import modules need a target', async () => {
    const run = await live.run([
      'wasm',
      'run',
      '--dry-run',
      '-i',
      's3://bucket/lib.wasm:/lib.wasm',
      '-I',
      '/lib.wasm',
      'https://example.com/m.wasm',
    ]);
    const [task] = (
      parse(run.stdout) as { Tasks: { Engine: { Params: unknown }; InputSources: { Target: string }[] }[] }
    ).Tasks;
    expect(task?.Engine.Params).toMatchObject({ EntryModule: 'main.wasm', ImportModules: ['/lib.wasm'] });
    expect(task?.InputSources.map((i) => i.Target)).toEqual(['/lib.wasm', 'main.wasm']);
    const bad = await live.run(['wasm', 'run', '--dry-run', '-I', 's3://b/x.wasm', 'main.wasm']);
    expect(bad.stderr).toBe(
      `\nError: import module "s3://b/x.wasm" must specify a target path using the format 'path:target'\n`,
    );
  });

  it('says what to do when a local module makes the job too large for the server', async () => {
    const noise = randomBytes(12 * 1024 * 1024); // gzip cannot shrink it below the limit
    const run = await live.run(['wasm', 'run', module('huge.wasm', Buffer.concat([magic, noise]))]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      '\nError: Request Entity Too Large\nHint:  The server takes requests of up to 10 MB, and a local ' +
        'module given to wasm run travels inside the job. Serve a large module over HTTP and pass its URL ' +
        'instead\n',
    );
  });

  it('submits a job that completes', async () => {
    const run = await live.run(['wasm', 'run', '--id-only', module('run.wasm', magic)]);
    expect(run.code).toBe(0);
    const job = await storedJob(run.stdout.trim());
    expect(job).toMatchObject({ Type: 'batch', State: { StateType: 'Completed' } });
  });
});
