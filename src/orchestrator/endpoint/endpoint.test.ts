import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { BacalhauError } from '../../models/bacerrors.js';
import type { Job } from '../../models/job.js';
import { parseSpecDocument } from '../../models/jobspec/parse.js';
import type { JobStateType } from '../../models/state.js';
import { SqliteJobStore } from '../../store/sqlite/sqlite-store.js';
import { builtinJobDefaults, type JobDefaultsConfig } from '../transformer/index.js';
import { JobEndpoint } from './endpoint.js';
import type { JobEndpointOptions } from './options.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/jobs/valid/', import.meta.url));
const fixture = (name: string): unknown => parseSpecDocument(readFileSync(join(fixtures, name), 'utf8'));

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const jobIDPattern = /^j-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NodeID = 'n-11111111-2222-4333-8444-555555555555';

/** The canonical body of reference 6.4 (`testdata/jobs/docker.yaml`). */
function dockerJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: 'Docker Job',
    Type: 'batch',
    Count: 1,
    Tasks: [
      {
        Name: 'main',
        Engine: {
          Type: 'docker',
          Params: { Image: 'busybox:1.37.0', Entrypoint: ['/bin/sh'], Parameters: ['-c', 'echo 15'] },
        },
      },
    ],
    ...overrides,
  };
}

/** Resolves to the error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<BacalhauError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BacalhauError);
    return err as BacalhauError;
  }
  throw new Error('expected the promise to reject');
}

let store: SqliteJobStore;
let clock: ManualClock;

function endpoint(options: Partial<JobEndpointOptions> = {}): JobEndpoint {
  return new JobEndpoint({ store, nodeID: NodeID, clock, ...options });
}

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2024, 7, 19, 20, 40));
  store = await SqliteJobStore.create({ path: ':memory:', clock });
});
afterEach(async () => {
  await store.close();
});

const history = async (jobID: string) =>
  (await store.getJobHistory(jobID, { allJobVersions: true })).items.map((h) => ({
    JobVersion: h.JobVersion,
    Message: h.Event.Message,
    Topic: h.Event.Topic,
    Details: h.Event.Details,
  }));
const evaluations = async (jobID: string) =>
  (await store.listEvaluations({ jobID })).map((e) => ({ TriggeredBy: e.TriggeredBy, Type: e.Type }));

async function setState(jobID: string, ...states: JobStateType[]): Promise<void> {
  for (const newState of states) await store.updateJobState({ jobID, newState });
}

describe('JobEndpoint options', () => {
  it('refuses a missing store or node ID', () => {
    expect(() => new JobEndpoint({ store, nodeID: ' ' })).toThrowError(
      expect.objectContaining({
        message: 'invalid job endpoint options: nodeID is required',
        code: 'ConfigurationError',
      }),
    );
    expect(() => new JobEndpoint({ nodeID: NodeID } as JobEndpointOptions)).toThrowError(
      'invalid job endpoint options: store is required',
    );
  });
});

describe('submitJob', () => {
  describe('a new job', () => {
    it('is stored as version 1, Pending, with "Job submitted" and a job-register evaluation', async () => {
      const response = await endpoint().submitJob({ job: dockerJob() });
      expect(response.JobID).toMatch(jobIDPattern);
      expect(response.EvaluationID).toMatch(uuidPattern);
      expect(response.Warnings).toBeNull();

      const job = await store.getJob(response.JobID);
      expect(job).toMatchObject({
        ID: response.JobID,
        Name: 'Docker Job',
        Namespace: 'default',
        Type: 'batch',
        Count: 1,
        State: { StateType: 'Pending' },
        Version: 1,
        Revision: 1,
        CreateTime: Date.UTC(2024, 7, 19, 20, 40) * 1e6,
      });
      expect(await history(job.ID)).toEqual([
        { JobVersion: 1, Message: 'Job submitted', Topic: 'Submission', Details: undefined },
      ]);
      const [evaluation] = await store.listEvaluations({ jobID: job.ID });
      expect(evaluation).toMatchObject({
        ID: response.EvaluationID,
        Namespace: 'default',
        JobID: job.ID,
        TriggeredBy: 'job-register',
        Type: 'batch',
        Status: 'pending',
        Priority: 0,
      });
    });

    it('gets the server meta: orchestrator, installation and instance IDs of server and client', async () => {
      const { JobID } = await endpoint({
        installationID: 'srv-install',
        instanceID: 'srv-instance',
      }).submitJob({
        job: dockerJob({ Meta: { owner: 'me' } }),
        clientInstallationID: 'cli-install',
        clientInstanceID: 'cli-instance',
      });
      expect((await store.getJob(JobID)).Meta).toEqual({
        owner: 'me',
        'bacalhau.org/orchestrator.id': NodeID,
        'bacalhau.org/requester.id': NodeID,
        'bacalhau.org/server.installation.id': 'srv-install',
        'bacalhau.org/server.instance.id': 'srv-instance',
        'bacalhau.org/client.installation.id': 'cli-install',
        'bacalhau.org/client.instance.id': 'cli-instance',
      });
    });

    it('gets the server defaults: 500m CPU and 512mb memory (stored lower-cased)', async () => {
      const { JobID } = await endpoint().submitJob({ job: dockerJob() });
      const [task] = (await store.getJob(JobID)).Tasks;
      // Read back through the wire codec: absent strings are ''.
      expect(task?.Resources).toEqual({ CPU: '500m', Memory: '512mb', Disk: '', GPU: '' });
      expect(task?.Publisher).toEqual({ Type: '' });
    });

    it('gets the configured JobDefaults: priority, resources, publisher, timeouts', async () => {
      const base = builtinJobDefaults();
      const jobDefaults: JobDefaultsConfig = {
        ...base,
        Batch: {
          Priority: 40,
          Task: {
            Resources: { CPU: '1', Memory: '2Gb', Disk: '5Gb', GPU: '' },
            Publisher: { Type: 'local', Params: {} },
            Timeouts: { ExecutionTimeout: '5m0s', TotalTimeout: '1h0m0s' },
          },
        },
      };
      const { JobID, EvaluationID } = await endpoint({ jobDefaults }).submitJob({
        job: dockerJob({
          Tasks: [
            { Name: 'main', Engine: { Type: 'docker', Params: { Image: 'x' } }, Resources: { CPU: '250m' } },
          ],
        }),
      });
      const job = await store.getJob(JobID);
      expect(job.Priority).toBe(40);
      expect(job.Tasks[0]).toMatchObject({
        Resources: { CPU: '250m', Memory: '2gb', Disk: '5gb' },
        Publisher: { Type: 'local' },
        Timeouts: { ExecutionTimeout: 300, TotalTimeout: 3600 },
      });
      // Deliberate: the evaluation carries the job's priority (Go leaves 0).
      expect((await store.getEvaluation(EvaluationID)).Priority).toBe(40);
    });

    it('decodes keys case-insensitively and defaults Count to 1 (docker-lowercase fixture)', async () => {
      const { JobID } = await endpoint().submitJob({ job: fixture('docker-lowercase.yaml') });
      const job = await store.getJob(JobID);
      expect(job).toMatchObject({ Name: 'a job with lower-case keys', Type: 'batch', Count: 1 });
      expect(job.Tasks[0]).toMatchObject({
        Name: 'say hello to the world',
        Engine: { Type: 'docker', Params: { image: 'busybox:1.37.0' } },
        Resources: { CPU: '250m', Memory: '64mb' },
        Timeouts: { ExecutionTimeout: 60 },
      });
      const countless = dockerJob({ Name: 'no count' });
      delete countless['Count'];
      const { JobID: counted } = await endpoint().submitJob({ job: countless });
      expect((await store.getJob(counted)).Count).toBe(1);
    });

    it('is named after its ID when nameless, in the default namespace (nameless fixture)', async () => {
      const { JobID } = await endpoint().submitJob({ job: fixture('nameless.yaml') });
      const job = await store.getJob(JobID);
      expect(job.Name).toBe(JobID);
      expect(job.Namespace).toBe('default');
    });

    it('accepts an already decoded Job', async () => {
      const first = await endpoint().submitJob({ job: dockerJob() });
      const decoded: Job = await store.getJob(first.JobID);
      const response = await endpoint().submitJob({ job: { ...decoded, Name: 'copy' } });
      // The decoded job carries server-managed fields: they are warned about and dropped.
      expect(response.Warnings).toEqual([
        'job state is ignored when submitting a job',
        'job revision is ignored when submitting a job',
        'job version is ignored when submitting a job',
        'job create time is ignored when submitting a job',
        'job modify time is ignored when submitting a job',
        'job ID is ignored when submitting a batch job',
        'job meta key "bacalhau.org/orchestrator.id" is reserved and will be ignored',
        'job meta key "bacalhau.org/requester.id" is reserved and will be ignored',
      ]);
      expect(response.JobID).not.toBe(first.JobID);
    });

    it('moves legacy WASM modules to input sources (wasm-legacy fixture)', async () => {
      const { JobID } = await endpoint().submitJob({ job: fixture('wasm-legacy.yaml') });
      const [task] = (await store.getJob(JobID)).Tasks;
      expect(task?.Engine?.Params).toMatchObject({
        EntryModule: '/wasm/entry.wasm',
        Entrypoint: '_start',
        ImportModules: null,
      });
      expect(task?.InputSources).toHaveLength(1);
      expect(task?.InputSources?.[0]).toMatchObject({
        Target: '/wasm/entry.wasm',
        Source: { Type: 'inline' },
      });
    });

    it('keeps the ID of a service job', async () => {
      const response = await endpoint().submitJob({ job: dockerJob({ ID: 'my-service', Type: 'service' }) });
      expect(response).toMatchObject({ JobID: 'my-service', Warnings: null });
      expect((await store.getJob('my-service')).Name).toBe('Docker Job');
    });

    it('refuses a service ID that is taken by another job (ResourceInUse, 409)', async () => {
      await endpoint().submitJob({ job: dockerJob({ ID: 'svc', Type: 'service', Name: 'a' }) });
      const err = await rejection(
        endpoint().submitJob({ job: dockerJob({ ID: 'svc', Type: 'service', Name: 'b' }) }),
      );
      expect(err.message).toBe('job already exists: svc');
      expect(err.httpStatus).toBe(409);
    });

    it('is a new job when the name is taken in another namespace only', async () => {
      const a = await endpoint().submitJob({ job: dockerJob() });
      const b = await endpoint().submitJob({ job: dockerJob({ Namespace: 'team-b' }) });
      expect(b.JobID).not.toBe(a.JobID);
      expect((await store.getJob(b.JobID)).Version).toBe(1);
    });
  });

  describe('server-managed fields and reserved meta', () => {
    it('are dropped with one warning each, in Go order', async () => {
      const response = await endpoint().submitJob({
        job: dockerJob({
          ID: 'j-mine',
          State: { StateType: 'Running' },
          Version: 5,
          Revision: 3,
          CreateTime: 1,
          ModifyTime: 2,
          Meta: { 'bacalhau.org/requester.id': 'evil', 'bacalhau.org/custom': 'x', keep: 'y' },
          Tasks: [
            { Name: 'main', Engine: { Type: 'docker', Params: { Image: 'a' } } },
            { Name: 'second', Engine: { Type: 'docker', Params: { Image: 'b' } } },
          ],
        }),
      });
      expect(response.Warnings).toEqual([
        'job state is ignored when submitting a job',
        'job revision is ignored when submitting a job',
        'job version is ignored when submitting a job',
        'job create time is ignored when submitting a job',
        'job modify time is ignored when submitting a job',
        'job ID is ignored when submitting a batch job',
        'only one task is supported per job',
        'job meta key "bacalhau.org/requester.id" is reserved and will be ignored',
        'job meta key "bacalhau.org/custom" is reserved and will be ignored',
      ]);
      const job = await store.getJob(response.JobID);
      expect(job.ID).toMatch(jobIDPattern);
      expect(job).toMatchObject({ State: { StateType: 'Pending' }, Version: 1, Revision: 1 });
      expect(job.CreateTime).toBe(Date.UTC(2024, 7, 19, 20, 40) * 1e6);
      expect(job.Tasks.map((t) => t.Name)).toEqual(['main']);
      expect(job.Meta).toEqual({
        keep: 'y',
        'bacalhau.org/orchestrator.id': NodeID,
        'bacalhau.org/requester.id': NodeID,
      });
    });

    it('also warns about fields the server does not know, and about constraints no node can match', async () => {
      const response = await endpoint().submitJob({
        job: dockerJob({ Constraints: [{ Key: 'cores', Operator: 'gt', Values: ['many'] }], Flavour: 'x' }),
      });
      expect(response.Warnings).toEqual([
        "unknown field: 'Flavour' in 'Job' is ignored",
        "constraint 1 can never match a node: values[0]: Invalid value: \"many\": for 'Gt', 'Lt' " +
          'operators, the value must be an integer',
      ]);
    });

    it.each([
      ['batch', ['Count is 0: no execution will run, and the job completes at once']],
      ['service', ['Count is 0: no replica will run until the job is updated']],
      ['daemon', null],
    ])('warns that a %s job with Count 0 runs nothing', async (Type, warnings) => {
      const response = await endpoint().submitJob({ job: dockerJob({ Type, Count: 0 }) });
      expect(response.Warnings).toEqual(warnings);
    });
  });

  describe('validation', () => {
    it('refuses an absent job with `empty/nil job` (400)', async () => {
      for (const job of [undefined, null]) {
        const err = await rejection(endpoint().submitJob({ job }));
        expect(err.message).toBe('empty/nil job');
        expect(err.code).toBe('ValidationError');
        expect(err.httpStatus).toBe(400);
      }
    });

    it('reports every problem of the spec in one ValidationError, and writes nothing', async () => {
      const err = await rejection(
        endpoint().submitJob({
          job: {
            Type: 'cron',
            Count: -1,
            Tasks: [{ Name: 'main', Engine: { Type: '' }, Env: { lower: 'x' } }],
          },
        }),
      );
      expect(err.code).toBe('ValidationError');
      expect(err.httpStatus).toBe(400);
      // Go's errors.Join text: a line a problem, a task's problems under its prefix once
      expect(err.message.split('\n')).toEqual([
        'invalid job type: "cron"',
        'job count must be >= 0',
        "task main validation failed: environment variable 'lower' must be uppercase",
        'invalid engine: missing spec type',
      ]);
      expect((await store.listJobs()).items).toEqual([]);
    });

    it("refuses a job too large for the transport's messages, saying how large and what to move", async () => {
      /** A job whose one input is inline data at `url`. */
      const withData = (url: string) =>
        dockerJob({
          Tasks: [
            {
              Name: 'main',
              Engine: { Type: 'docker', Params: { Image: 'x' } },
              InputSources: [{ Target: '/data', Source: { Type: 'inline', Params: { URL: url } } }],
            },
          ],
        });
      const withInline = (bytes: number) => withData(`data:;base64,${'A'.repeat(bytes)}`);
      const limited = endpoint({ maxMessageBytes: () => 1024 * 1024 });
      const err = await rejection(limited.submitJob({ job: withInline(1024 * 1024) }));
      expect(err.code).toBe('ValidationError');
      expect(err.httpStatus).toBe(400);
      expect(err.message).toMatch(
        /^job spec is too large to send to compute nodes: 10\d{5} bytes encoded, and the orchestrator's NATS connection carries at most 983040 bytes per job/,
      );
      expect(err.hint).toContain('to a URL, S3 or local input');
      // the spec may be large for other reasons than its inputs
      expect(err.hint).toContain('long Env values or Parameters into an input file');
      expect((await store.listJobs()).items).toEqual([]);
      // measured as sent: Go's JSON escapes each of < > & in six bytes
      const html = withData(`data:,${'<>&'.repeat(200 * 1024)}`);
      expect((await rejection(limited.submitJob({ job: html }))).message).toMatch(/: 36\d{5} bytes encoded/);
      // what fits is accepted, and without a limit (in memory) anything the API takes
      await limited.submitJob({ job: withInline(900 * 1024) });
      await endpoint().submitJob({ job: { ...withInline(1024 * 1024), Name: 'unlimited' } });
      expect((await store.listJobs()).items).toHaveLength(2);
    });

    it('says how to add an engine to a task without one', async () => {
      const err = await rejection(endpoint().submitJob({ job: dockerJob({ Tasks: [{ Name: 'main' }] }) }));
      expect(err.message).toBe('task main validation failed: invalid engine: nil spec config');
      expect(err.hint).toBe(
        'add an engine to the task, e.g. Engine: {Type: docker, Params: {Image: <image>}} or Engine: {Type: wasm, Params: {EntryModule: <input target>}}',
      );
    });

    it('refuses values of the wrong JSON type, naming the field', async () => {
      const err = await rejection(endpoint().submitJob({ job: dockerJob({ Count: 'two' }) }));
      expect(err.message).toBe("field: 'Count' in 'Job' is invalid type: 'string' expected: 'int'");
      expect(err.httpStatus).toBe(400);
    });

    it.each([
      ['CPU', { CPU: '2x' }, 'invalid CPU value: 2x', 'CPU (--cpu) takes cores or millicores'],
      [
        'Memory',
        { Memory: '1Gbb' },
        'invalid memory value: 1gbb',
        'Memory (--memory) and Disk (--disk) take',
      ],
      ['Disk', { Disk: 'lots' }, 'invalid disk value: lots', 'Memory (--memory) and Disk (--disk) take'],
      ['GPU', { GPU: '1.5' }, 'invalid GPU value: 1.5', 'GPU (--gpu) takes a whole number'],
    ])(
      'refuses an unreadable %s with the forms it takes in the hint',
      async (_name, resources, text, hint) => {
        const job = dockerJob({
          Tasks: [{ Name: 'main', Engine: { Type: 'docker', Params: { Image: 'x' } }, Resources: resources }],
        });
        const err = await rejection(endpoint().submitJob({ job }));
        expect(err.message).toBe(`task main validation failed: invalid resources: ${text}`);
        expect(err.hint).toContain(hint);
      },
    );

    it('hints that timeouts are seconds when one is given as a duration', async () => {
      const job = dockerJob({
        Tasks: [
          {
            Name: 'main',
            Engine: { Type: 'docker', Params: { Image: 'x' } },
            Timeouts: { ExecutionTimeout: '1h' },
          },
        ],
      });
      const err = await rejection(endpoint().submitJob({ job }));
      expect(err.message).toBe(
        "field: 'Tasks.Timeouts.ExecutionTimeout' in 'TimeoutConfig' is invalid type: 'string' expected: 'int64'",
      );
      expect(err.hint).toBe('timeouts are whole seconds: ExecutionTimeout: 3600 for an hour');
    });

    it("refuses what the store's validation refuses, after the transformers", async () => {
      const resultsWithoutPublisher = dockerJob({
        Tasks: [
          {
            Name: 'main',
            Engine: { Type: 'docker', Params: { Image: 'x' } },
            ResultPaths: [{ Name: 'out', Path: '/out' }],
          },
        ],
      });
      const err = await rejection(endpoint().submitJob({ job: resultsWithoutPublisher }));
      expect(err.message).toBe('task main validation failed: publisher must be set if result paths are set');
      expect(err.httpStatus).toBe(400);
      // Go's words do not say what to do: the hint does
      expect(err.hint).toBe(
        'add a publisher to the task for its results (Publisher: {Type: local}, or -p local with docker run and wasm run)',
      );

      // With a default publisher configured, the same job is accepted.
      const base = builtinJobDefaults();
      const jobDefaults = {
        ...base,
        Batch: { ...base.Batch, Task: { ...base.Batch.Task, Publisher: { Type: 'local', Params: {} } } },
      };
      const { JobID } = await endpoint({ jobDefaults }).submitJob({ job: resultsWithoutPublisher });
      expect((await store.getJob(JobID)).Tasks[0]?.Publisher).toEqual({ Type: 'local' });
    });

    it('refuses timeouts that do not fit in the total timeout', async () => {
      const err = await rejection(
        endpoint().submitJob({
          job: dockerJob({
            Tasks: [
              {
                Name: 'main',
                Engine: { Type: 'docker', Params: { Image: 'x' } },
                Timeouts: { ExecutionTimeout: 10, QueueTimeout: 10, TotalTimeout: 15 },
              },
            ],
          }),
        }),
      );
      expect(err.message).toBe(
        'task main validation failed: task timeouts validation failed: execution timeout 10s and queue ' +
          'timeout 10s should be less than total timeout 15s',
      );
      // refused by the store's own checks, as Go's store refuses it (NewJobStoreError)
      expect(err).toMatchObject({ code: 'BadRequest', component: 'JobStore', httpStatus: 400 });
    });

    it('refuses a malformed legacy WASM module (400, Go answers 500)', async () => {
      const err = await rejection(
        endpoint().submitJob({
          job: dockerJob({
            Tasks: [
              { Name: 'main', Engine: { Type: 'wasm', Params: { EntryModule: { Target: '/m.wasm' } } } },
            ],
          }),
        }),
      );
      expect(err.message).toBe('invalid entry module: invalid input source: nil spec config');
      expect(err.httpStatus).toBe(400);
    });

    it.each([
      [
        'a docker command line written as one string',
        { Type: 'docker', Params: { Image: 'busybox', Parameters: 'echo hi' } },
        `invalid docker engine param: 'Parameters' must be a list of strings, not a string ("echo hi")`,
        'Fix Task.Engine.Params: Image is required',
      ],
      [
        'a docker job without an image',
        { Type: 'DOCKER', Params: { Parameters: ['hi'] } },
        "invalid docker engine param: 'Image' cannot be empty",
        'Fix Task.Engine.Params: Image is required',
      ],
      [
        'a WASM entry module that is not a path',
        { Type: 'wasm', Params: { EntryModule: 5 } },
        'invalid WASM engine params: EntryModule must be a string (the target path of the input holding the module), not a number (5)',
        'Set Task.Engine.Params.EntryModule to the Target of an input',
      ],
    ])(
      "refuses %s before scheduling it, with the executor's words and hint (400)",
      async (_name, engine, text, hint) => {
        const err = await rejection(
          endpoint().submitJob({ job: dockerJob({ Tasks: [{ Name: 'main', Engine: engine }] }) }),
        );
        expect(err.message).toBe(text);
        expect(err.httpStatus).toBe(400);
        expect(err.hint).toContain(hint);
        expect((await store.listJobs()).items).toEqual([]);
      },
    );

    it('refuses input sources without their required param, naming each and what it holds (400)', async () => {
      const inline = { Type: 'inline', Params: { Content: 'hello' } };
      const url = { Type: 'urlDownload', Params: { URL: '  ' } };
      const local = { Type: 'localDirectory', Params: { sourcepath: '/data' } };
      const job = dockerJob({
        Tasks: [
          {
            Name: 'main',
            Engine: { Type: 'docker', Params: { Image: 'busybox' } },
            InputSources: [
              { Source: inline, Target: '/in' },
              { Source: url, Target: '/url' },
              { Source: local, Target: '/local' },
            ],
          },
        ],
      });
      const err = await rejection(endpoint().submitJob({ job }));
      expect(err.message).toBe(
        'Tasks[0].InputSources[0].Source.Params.URL is missing: the inline input source needs it ' +
          '(a data: URL holding the content, e.g. "data:text/plain;base64,aGVsbG8=")\n' +
          'Tasks[0].InputSources[1].Source.Params.URL is missing: the urlDownload input source needs it ' +
          '(the http:// or https:// URL of a file)',
      );
      expect(err.httpStatus).toBe(400);
      expect((await store.listJobs()).items).toEqual([]);
    });

    const docker = { Type: 'docker', Params: { Image: 'busybox' } };
    const wasm = { Type: 'wasm', Params: { EntryModule: '/m.wasm' } };
    const inline = (url: string): Record<string, unknown> => ({ Type: 'inline', Params: { URL: url } });
    /** The smallest WebAssembly module: magic and version. */
    const wasmModule = 'data:application/wasm;base64,AGFzbQEAAAA=';
    it.each([
      [
        'an inline input that is not a data URL',
        { Source: inline('hello'), Target: '/in' },
        'Tasks[0].InputSources[0].Source.Params.URL: not a valid data URL: it must start with "data:", got "hello"',
      ],
      [
        'inline data that is not base64',
        { Source: inline('data:;base64,ab$c'), Target: '/in' },
        'Tasks[0].InputSources[0].Source.Params.URL: not a valid data URL: it has data that is not valid base64',
      ],
      [
        'an inline archive that is not gzip',
        { Source: inline('data:application/gzip;base64,aGVsbG8='), Target: '/in' },
        'Tasks[0].InputSources[0].Source.Params.URL: the application/gzip data is not valid gzip',
      ],
      [
        'a download URL that is not http(s)',
        { Source: { Type: 'urlDownload', Params: { URL: 'ftp://host/file' } }, Target: '/in' },
        'Tasks[0].InputSources[0].Source.Params.URL: must begin with http:// or https://, got ftp://',
      ],
      [
        'a download URL with a malformed percent-escape (Go cannot parse it)',
        { Source: { Type: 'urlDownload', Params: { URL: 'http://us%ZZer:pw@host/f.txt' } }, Target: '/in' },
        'Tasks[0].InputSources[0].Source.Params.URL: "http://us%ZZer:pw@host/f.txt" is not a valid URL: ' +
          'invalid URL escape "%ZZ"',
      ],
      [
        'a relative local path',
        { Source: { Type: 'local', Params: { SourcePath: 'data' } }, Target: '/in' },
        'Tasks[0].InputSources[0].Source.Params.SourcePath: "data" is not an absolute path',
      ],
      [
        'a local ReadWrite that is not a boolean',
        { Source: { Type: 'local', Params: { SourcePath: '/data', ReadWrite: 'yes' } }, Target: '/in' },
        'Tasks[0].InputSources[0].Source.Params.ReadWrite: must be true or false, got "yes"',
      ],
      [
        'an unknown local CreateAs',
        { Source: { Type: 'local', Params: { SourcePath: '/data', CreateAs: 'folder' } }, Target: '/in' },
        'Tasks[0].InputSources[0].Source.Params.CreateAs: invalid value "folder"',
      ],
    ])('refuses %s, as its node would, before scheduling it (400)', async (_name, input, text) => {
      const job = dockerJob({ Tasks: [{ Name: 'main', Engine: docker, InputSources: [input] }] });
      const err = await rejection(endpoint().submitJob({ job }));
      expect(err.message).toBe(text);
      expect(err.httpStatus).toBe(400);
      expect(err.hint).toMatch(/./);
      expect((await store.listJobs()).items).toEqual([]);
    });

    /** A job whose task (either engine) mounts its module, data at `dataTargets` and results at `resultPaths`. */
    const mountingJob = (
      engine: unknown,
      dataTargets: string | readonly string[],
      resultPaths: string | readonly string[],
    ) =>
      dockerJob({
        Tasks: [
          {
            Name: 'main',
            Engine: engine,
            Publisher: { Type: 'local' },
            InputSources: [
              { Source: inline(wasmModule), Target: '/m.wasm' },
              ...[dataTargets].flat().map((Target, i) => ({ Source: inline(`data:,${i}`), Target })),
            ],
            ResultPaths: [resultPaths].flat().map((Path, i) => ({ Name: i === 0 ? 'out' : `out${i}`, Path })),
          },
        ],
      });

    it.each([
      ['docker', docker],
      ['wasm', wasm],
    ])('refuses a %s result path that is also an input target (400)', async (_name, engine) => {
      const job = mountingJob(engine, '/data/', '/data');
      const err = await rejection(endpoint().submitJob({ job }));
      expect(err.message).toBe(
        'Tasks[0].ResultPaths[0].Path: "/data" is also the Target of InputSources[1]: results need a folder of their own',
      );
      expect(err.hint).toBe('Give the result path a Path that no input uses as its Target.');
    });

    it.each([
      ['docker', docker],
      ['wasm', wasm],
    ])(
      'refuses two %s inputs, or two result paths, at one place written differently (400)',
      async (_name, engine) => {
        const job = mountingJob(engine, ['/data', '/data/'], ['/out', '/out/./']);
        const err = await rejection(endpoint().submitJob({ job }));
        expect(err.httpStatus).toBe(400);
        expect(err.message.split('\n')).toEqual([
          'Tasks[0].InputSources[2].Target: "/data/" is the same place as InputSources[1].Target "/data": two inputs cannot be mounted at one place',
          'Tasks[0].ResultPaths[1].Path: "/out/./" is the same place as ResultPaths[0].Path "/out": results need a folder each',
        ]);
        expect(err.hint).toBe('Give each input a Target of its own.');
        expect((await store.listJobs()).items).toEqual([]);
      },
    );

    it("refuses docker mounts at the container's root or inside /proc, and lets a WASM task use them", async () => {
      const err = await rejection(endpoint().submitJob({ job: mountingJob(docker, '/x/..', '/proc/out') }));
      expect(err.message.split('\n')).toEqual([
        'Tasks[0].InputSources[1].Target: "/x/.." is the container\'s root: Docker cannot mount there',
        'Tasks[0].ResultPaths[0].Path: "/proc/out" is inside /proc, which the container runtime keeps for itself: Docker cannot mount there',
      ]);
      expect(err.hint).toBe('Mount inputs and results at folders of their own, e.g. /inputs and /outputs.');
      expect(err.httpStatus).toBe(400);
      await endpoint().submitJob({ job: mountingJob(wasm, '/x/..', '/proc/out') });
      // the few files runc lets a mount cover (lxcfs's)
      await endpoint().submitJob({ job: { ...mountingJob(docker, '/proc/meminfo', '/out'), Name: 'lxcfs' } });
    });

    it('refuses a relative input target of a docker task, and lets a WASM task have one', async () => {
      const input = { Source: inline('data:,x'), Target: 'data.txt' };
      const dockerErr = await rejection(
        endpoint().submitJob({
          job: dockerJob({ Tasks: [{ Name: 'main', Engine: docker, InputSources: [input] }] }),
        }),
      );
      expect(dockerErr.message).toBe(
        'Tasks[0].InputSources[0].Target: "data.txt" must be an absolute path in the container, e.g. "/inputs/data.txt"',
      );
      const wasmInputs = [{ Source: inline(wasmModule), Target: '/m.wasm' }, input];
      const { JobID } = await endpoint().submitJob({
        job: dockerJob({ Tasks: [{ Name: 'main', Engine: wasm, InputSources: wasmInputs }] }),
      });
      expect((await store.getJob(JobID)).Tasks[0]?.InputSources?.[1]?.Target).toBe('data.txt');
    });

    it('refuses WASM modules that are not among the inputs, and finds those inside an input folder', async () => {
      let submitted = 0;
      const submit = (params: Record<string, unknown>, inputs: object[]) =>
        endpoint().submitJob({
          job: dockerJob({
            Name: `wasm-${++submitted}`,
            Tasks: [{ Name: 'main', Engine: { Type: 'wasm', Params: params }, InputSources: inputs }],
          }),
        });
      const module = { Source: inline(wasmModule), Target: 'main.wasm' };
      const err = await rejection(
        submit({ EntryModule: '/nope.wasm', ImportModules: ['/lib/a.wasm'] }, [module]),
      );
      expect(err.message).toBe(
        'Tasks[0].Engine.Params.EntryModule: "/nope.wasm" is not the Target of an input, nor inside one (input targets: /main.wasm)\n' +
          'Tasks[0].Engine.Params.ImportModules[0]: "/lib/a.wasm" is not the Target of an input, nor inside one (input targets: /main.wasm)',
      );
      expect(err.hint).toBe(
        'Set EntryModule to the Target of the input that holds the module (wasm run uploads a local file as one)',
      );
      const twoInFolder = [
        { Source: inline(wasmModule), Target: '/mods/a.wasm' },
        { Source: inline(wasmModule), Target: '/mods/b.wasm' },
      ];
      expect((await rejection(submit({ EntryModule: '/mods' }, twoInFolder))).message).toBe(
        'Tasks[0].Engine.Params.EntryModule: "/mods" is a folder holding 2 .wasm inputs: name one of them',
      );
      // at a target (relative ones resolve from /), inside a folder input, or the one .wasm in a folder
      await submit({ EntryModule: 'main.wasm' }, [module]);
      await submit({ EntryModule: '/bundle/bin/main.wasm' }, [
        { Source: inline('data:,x'), Target: '/bundle' },
      ]);
      await submit({ EntryModule: '/mods' }, [twoInFolder[0] ?? {}]);
      expect((await store.listJobs()).items).toHaveLength(3);
    });

    it('answers a spec with thousands of modules and inputs at once, listing only the first of each', async () => {
      const inputs = Array.from({ length: 5_000 }, (_, i) => ({
        Source: inline('data:,x'),
        Target: `/in/${i}`,
      }));
      const ImportModules = Array.from({ length: 2_000 }, (_, k) => `/lib/${k}.wasm`);
      const wasm = { Type: 'wasm', Params: { EntryModule: '/in/0', ImportModules } };
      const err = await rejection(
        endpoint().submitJob({
          job: dockerJob({ Tasks: [{ Name: 'main', Engine: wasm, InputSources: inputs }] }),
        }),
      );
      const lines = err.message.split('\n');
      expect(lines).toHaveLength(21);
      expect(lines[0]).toMatch(
        /^Tasks\[0\]\.Engine\.Params\.EntryModule: "\/in\/0" is the inline data of InputSources\[0\]/u,
      );
      expect(lines[1]).toBe(
        'Tasks[0].Engine.Params.ImportModules[0]: "/lib/0.wasm" is not the Target of an input, nor inside one ' +
          `(input targets: ${inputs
            .slice(0, 20)
            .map((input) => input.Target)
            .join(', ')}, … and 4980 more)`,
      );
      expect(lines[20]).toBe('… and 1981 more problems');
      expect(err.details).toMatchObject({ problems: '2001' });
    });

    it('refuses a WASM task whose modules would open more folders than one task may', async () => {
      const submit = (ImportModules: string[], outputs: number) =>
        endpoint().submitJob({
          job: dockerJob({
            Name: `folders-${ImportModules.length}-${outputs}`,
            Tasks: [
              {
                Name: 'main',
                Engine: { Type: 'wasm', Params: { EntryModule: '/app/main.wasm', ImportModules } },
                InputSources: [{ Source: inline(wasmModule), Target: '/app/main.wasm' }],
                Publisher: { Type: 'noop' },
                ResultPaths: Array.from({ length: outputs }, (_, i) => ({
                  Name: `r${i}`,
                  Path: `/out/${i}`,
                })),
              },
            ],
          }),
        });
      // the module's folder, and each result path at its Path and at /<Name>
      const many = await rejection(submit([], 2_048));
      expect(many.message).toBe(
        'Tasks[0]: it would open its 4097 mounted folders, more than the 4096 the WASM executor opens for one task',
      );
      expect(many.hint).toBe(
        'Mount fewer folders (put the inputs in one folder, or an archive) or name fewer result paths, or import fewer modules',
      );
      // each module opens every folder: 3 modules × 1,367 folders
      const modules = await rejection(submit(['/app/a.wasm', '/app/b.wasm', '/app/a.wasm'], 683));
      expect(modules.message).toBe(
        'Tasks[0]: its 3 modules would open 4101 folders (each opens the 1367 mounted ones), more than the 4096 ' +
          'the WASM executor opens for one task',
      );
      await submit([], 2_047);
      expect((await store.listJobs()).items).toHaveLength(1);
    });

    it('refuses inline data that is not WebAssembly as a module, and leaves archives to the node', async () => {
      const submit = (name: string, params: Record<string, unknown>, inputs: object[]) =>
        endpoint().submitJob({
          job: dockerJob({
            Name: name,
            Tasks: [{ Name: 'main', Engine: { Type: 'wasm', Params: params }, InputSources: inputs }],
          }),
        });
      const text = { Source: inline('data:text/plain,hello'), Target: '/wasm/main.wasm' };
      const err = await rejection(submit('text', { EntryModule: '/wasm/main.wasm' }, [text]));
      expect(err.message).toBe(
        'Tasks[0].Engine.Params.EntryModule: "/wasm/main.wasm" is the inline data of InputSources[0], which is not a WebAssembly module (it starts with "hell", not "\\0asm")',
      );
      expect(err.hint).toMatch(/^Point EntryModule at a \.wasm binary built for wasm32-wasi/u);
      // the one .wasm input of a folder named as the module
      const inFolder = await rejection(
        submit('folder', { ImportModules: ['/wasm'], EntryModule: '/m.wasm' }, [
          text,
          { Source: inline(wasmModule), Target: '/m.wasm' },
        ]),
      );
      expect(inFolder.message).toBe(
        'Tasks[0].Engine.Params.ImportModules[0]: "/wasm/main.wasm" is the inline data of InputSources[0], which is not a WebAssembly module (it starts with "hell", not "\\0asm")',
      );
      const component = {
        Source: inline(`data:application/wasm;base64,${Buffer.from('\0asm\x0d\0\x01\0').toString('base64')}`),
        Target: '/c.wasm',
      };
      expect((await rejection(submit('component', { EntryModule: '/c.wasm' }, [component]))).message).toBe(
        'Tasks[0].Engine.Params.EntryModule: "/c.wasm" is the inline data of InputSources[0], which is not a WebAssembly module (its format version is 0d 00 01 00, not 01 00 00 00: a WASI preview2 component, or no WebAssembly at all)',
      );
      const cut = {
        Source: inline(`data:application/wasm;base64,${Buffer.from('\0asm').toString('base64')}`),
        Target: '/t.wasm',
      };
      expect((await rejection(submit('cut', { EntryModule: '/t.wasm' }, [cut]))).message).toMatch(
        /which is not a WebAssembly module \(it ends before its format version\)$/,
      );
      const empty = { Source: inline('data:,'), Target: '/e.wasm' };
      expect((await rejection(submit('empty', { EntryModule: '/e.wasm' }, [empty]))).message).toBe(
        'Tasks[0].Engine.Params.EntryModule: "/e.wasm" is the inline data of InputSources[0], which is not a WebAssembly module (it is empty, not "\\0asm")',
      );
      // a gzipped tar is unpacked into a folder at its Target by the node, which finds the module there
      const archive = {
        Source: inline('data:application/gzip;base64,H4sIAAAAAAAAAwMAAAAAAAAAAAA='),
        Target: '/m',
      };
      await submit('archive', { EntryModule: '/m' }, [archive]);
      expect((await store.listJobs()).items).toHaveLength(1);
    });

    it('leaves the params of engines it does not know to their nodes', async () => {
      const job = dockerJob({
        Tasks: [{ Name: 'main', Engine: { Type: 'python', Params: { Parameters: 'x' } } }],
      });
      const { JobID } = await endpoint().submitJob({ job });
      expect((await store.getJob(JobID)).Tasks[0]?.Engine?.Params).toEqual({ Parameters: 'x' });
    });

    it('does nothing when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('gone'));
      await expect(endpoint().submitJob({ job: dockerJob() }, { signal: controller.signal })).rejects.toThrow(
        'gone',
      );
      expect((await store.listJobs()).items).toEqual([]);
    });
  });

  describe('a job with the same name (upsert)', () => {
    it('is refused when the spec did not change, with a hint to use --force (409)', async () => {
      const { JobID } = await endpoint().submitJob({ job: dockerJob() });
      const err = await rejection(endpoint().submitJob({ job: dockerJob() }));
      expect(err.message).toBe(
        `no changes detected for new job spec. Job Name: 'Docker Job', Job Id: '${JobID}'`,
      );
      expect(err.hint).toBe('Use the --force flag to override this warning');
      expect(err.code).toBe('ResourceInUse');
      expect(err.httpStatus).toBe(409);
      expect((await store.getJob(JobID)).Version).toBe(1);
      expect(await evaluations(JobID)).toHaveLength(1);
    });

    it('counts neither server meta, nor resource case, nor defaults as changes', async () => {
      const { JobID } = await endpoint().submitJob({
        job: dockerJob({
          Tasks: [
            {
              Name: 'main',
              Engine: { Type: 'docker', Params: { Image: 'x' } },
              Resources: { Memory: '1GB' },
            },
          ],
        }),
        clientInstanceID: 'a',
      });
      const err = await rejection(
        endpoint({ instanceID: 'another-server' }).submitJob({
          job: dockerJob({
            Tasks: [
              {
                Name: 'main',
                Engine: { Type: 'docker', Params: { Image: 'x' } },
                Resources: { Memory: '1gb', CPU: '500m' },
              },
            ],
          }),
          clientInstanceID: 'b',
        }),
      );
      expect(err.message).toContain(`Job Id: '${JobID}'`);
    });

    it('with force, becomes version 2 although identical', async () => {
      const first = await endpoint().submitJob({ job: dockerJob() });
      clock.advance(1000);
      const second = await endpoint().submitJob({ job: dockerJob(), force: true });
      expect(second.JobID).toBe(first.JobID);
      expect(second.EvaluationID).not.toBe(first.EvaluationID);
      const job = await store.getJob(first.JobID);
      expect(job).toMatchObject({
        Version: 2,
        State: { StateType: 'Pending', Message: 'Job update requested by user' },
      });
    });

    it('with a change, becomes a new version: same ID, type and create time, "Job updated", job-update', async () => {
      const first = await endpoint().submitJob({ job: dockerJob({ Count: 1 }) });
      const created = await store.getJob(first.JobID);
      await setState(first.JobID, 'Running', 'Completed');
      clock.advance(60_000);

      const second = await endpoint().submitJob({ job: dockerJob({ Count: 2, Labels: { v: '2' } }) });
      expect(second).toMatchObject({ JobID: first.JobID, Warnings: null });
      expect(second.EvaluationID).toMatch(uuidPattern);
      const job = await store.getJob(first.JobID);
      expect(job).toMatchObject({
        ID: first.JobID,
        Type: 'batch',
        Count: 2,
        Labels: { v: '2' },
        Version: 2,
        State: { StateType: 'Pending', Message: 'Job update requested by user' },
        CreateTime: created.CreateTime,
      });
      expect(job.ModifyTime).toBeGreaterThan(created.ModifyTime);
      expect((await store.getJobVersions(first.JobID)).map((v) => [v.Version, v.Count])).toEqual([
        [1, 1],
        [2, 2],
      ]);
      expect(await history(first.JobID)).toEqual([
        { JobVersion: 1, Message: 'Job submitted', Topic: 'Submission', Details: undefined },
        { JobVersion: 2, Message: 'Job updated', Topic: 'Submission', Details: undefined },
      ]);
      expect(await evaluations(first.JobID)).toEqual([
        { TriggeredBy: 'job-register', Type: 'batch' },
        { TriggeredBy: 'job-update', Type: 'batch' },
      ]);
      const evaluation = await store.getEvaluation(second.EvaluationID);
      expect(evaluation).toMatchObject({ JobID: first.JobID, Namespace: 'default', Status: 'pending' });
    });

    it('refuses a change of type, clearly (409)', async () => {
      const { JobID } = await endpoint().submitJob({ job: dockerJob() });
      const err = await rejection(endpoint().submitJob({ job: dockerJob({ Type: 'service' }) }));
      expect(err.message).toBe(
        `cannot change the type of job 'Docker Job' (${JobID}) from batch to service: a job keeps its type across updates`,
      );
      expect(err.hint).toBe('Submit the service job under another name');
      expect(err.code).toBe('ResourceInUse');
      expect(err.httpStatus).toBe(409);
      expect((await store.getJob(JobID)).Version).toBe(1);
    });

    it('updates a service job by name even when it brings another ID', async () => {
      const first = await endpoint().submitJob({ job: dockerJob({ ID: 'svc-1', Type: 'service' }) });
      const second = await endpoint().submitJob({
        job: dockerJob({ ID: 'svc-2', Type: 'service', Count: 3 }),
      });
      expect(second.JobID).toBe(first.JobID);
      expect((await store.getJob('svc-1')).Version).toBe(2);
    });
  });
});

describe('diffJob', () => {
  it('requires a name: `invalid job spec: name is missing` (400)', async () => {
    const err = await rejection(endpoint().diffJob({ job: dockerJob({ Name: '  ' }) }));
    expect(err.message).toBe('invalid job spec: name is missing');
    expect(err.hint).toBe('Job name must be provided in the job spec for diff operations');
    expect(err.code).toBe('ValidationError');
    expect(err.httpStatus).toBe(400);
  });

  it('refuses an invalid spec', async () => {
    const err = await rejection(endpoint().diffJob({ job: dockerJob({ Type: '' }) }));
    expect(err.message).toBe('missing job type');
  });

  it('is NotFound (404) when no job has the name', async () => {
    const err = await rejection(endpoint().diffJob({ job: dockerJob() }));
    expect(err.message).toBe('job name index not found: Docker Job:default');
    expect(err.httpStatus).toBe(404);
  });

  it("is empty for the existing job's own spec, whatever the server adds", async () => {
    await endpoint().submitJob({ job: dockerJob(), clientInstanceID: 'c' });
    expect(await endpoint().diffJob({ job: dockerJob() })).toEqual({ Diff: '', Warnings: null });
  });

  it('warns that a change of type will be refused on submission', async () => {
    const { JobID } = await endpoint().submitJob({ job: dockerJob() });
    const response = await endpoint().diffJob({ job: dockerJob({ Type: 'service' }) });
    expect(response.Diff).toContain('+ Type: "service"');
    expect(response.Warnings).toEqual([
      `submitting this spec will be refused: cannot change the type of job '${dockerJob().Name as string}' ` +
        `(${JobID}) from batch to service: a job keeps its type across updates`,
    ]);
  });

  it('lists the differences, and the warnings of sanitizing', async () => {
    await endpoint().submitJob({ job: dockerJob() });
    const changed = dockerJob({
      ID: 'j-x',
      Tasks: [
        {
          Name: 'main',
          Engine: {
            Type: 'docker',
            Params: { Image: 'busybox:1.37.0', Entrypoint: ['/bin/sh'], Parameters: ['-c', 'echo 16'] },
          },
        },
      ],
    });
    expect(await endpoint().diffJob({ job: changed })).toEqual({
      Diff:
        '- Tasks[0].Engine.Params.Parameters[1]: "echo 15"\n' +
        '+ Tasks[0].Engine.Params.Parameters[1]: "echo 16"\n',
      Warnings: ['job ID is ignored when submitting a batch job'],
    });
    // Diffing writes nothing.
    expect((await store.listJobs()).items.map((j) => j.Version)).toEqual([1]);
  });
});

describe('stopJob', () => {
  it('stops a job: state Stopped with the reason, history event, job-cancel evaluation', async () => {
    const { JobID } = await endpoint().submitJob({ job: dockerJob() });
    await setState(JobID, 'Running');
    const { EvaluationID } = await endpoint().stopJob({ jobID: JobID, reason: 'no longer needed' });
    expect(EvaluationID).toMatch(uuidPattern);
    expect((await store.getJob(JobID)).State).toEqual({ StateType: 'Stopped', Message: 'no longer needed' });
    expect((await history(JobID)).at(-1)).toEqual({
      JobVersion: 1,
      Message: 'Job requested to stop before completion',
      Topic: 'Scheduling',
      Details: { Reason: 'no longer needed' },
    });
    expect(await store.getEvaluation(EvaluationID)).toMatchObject({
      JobID,
      TriggeredBy: 'job-cancel',
      Type: 'batch',
      Namespace: 'default',
      Status: 'pending',
    });
  });

  it('stops a pending or queued job too', async () => {
    const a = await endpoint().submitJob({ job: dockerJob({ Name: 'a' }) });
    const b = await endpoint().submitJob({ job: dockerJob({ Name: 'b' }) });
    await setState(b.JobID, 'Queued');
    for (const { JobID } of [a, b]) {
      await endpoint().stopJob({ jobID: JobID });
      expect((await store.getJob(JobID)).State).toEqual({ StateType: 'Stopped', Message: '' });
    }
  });

  it('is a no-op for a stopped job: EvaluationID "", nothing written', async () => {
    const { JobID } = await endpoint().submitJob({ job: dockerJob() });
    await endpoint().stopJob({ jobID: JobID, reason: 'first' });
    const before = await store.getJob(JobID);
    expect(await endpoint().stopJob({ jobID: JobID, reason: 'second' })).toEqual({ EvaluationID: '' });
    expect(await store.getJob(JobID)).toEqual(before);
    expect(await history(JobID)).toHaveLength(2);
    expect(await evaluations(JobID)).toHaveLength(2);
  });

  it.each(['Completed', 'Failed'] as const)(
    'refuses a %s job with 409 and a clear message',
    async (state) => {
      const { JobID } = await endpoint().submitJob({ job: dockerJob() });
      await setState(JobID, 'Running', state);
      const err = await rejection(endpoint().stopJob({ jobID: JobID, reason: 'x' }));
      expect(err.message).toBe(`cannot stop job in state ${state}`);
      expect(err.code).toBe('ConflictJobState');
      expect(err.httpStatus).toBe(409);
      expect(err.hint).not.toBe('');
      expect((await store.getJob(JobID)).State.StateType).toBe(state);
      expect(await evaluations(JobID)).toHaveLength(1);
    },
  );

  it('finds the job by name (first), full ID or short ID, within the namespace', async () => {
    const a = await endpoint().submitJob({ job: dockerJob({ Name: 'by-name', Namespace: 'ns' }) });
    const b = await endpoint().submitJob({ job: dockerJob({ Name: 'by-id' }) });
    const c = await endpoint().submitJob({ job: dockerJob({ Name: 'by-short-id' }) });
    await endpoint().stopJob({ jobID: 'by-name', namespace: 'ns' });
    await endpoint().stopJob({ jobID: b.JobID });
    await endpoint().stopJob({ jobID: c.JobID.slice(0, 10) });
    for (const { JobID } of [a, b, c]) {
      expect((await store.getJob(JobID)).State.StateType).toBe('Stopped');
    }
    const err = await rejection(endpoint().stopJob({ jobID: 'by-name' }));
    expect(err.message).toBe('job not found: by-name');
    expect(err.httpStatus).toBe(404);
  });
});

describe('rerunJob', () => {
  it.each(['Pending', 'Queued'] as const)('refuses a %s job (409)', async (state) => {
    const { JobID } = await endpoint().submitJob({ job: dockerJob() });
    if (state !== 'Pending') await setState(JobID, state);
    const err = await rejection(endpoint().rerunJob({ jobIDOrName: JobID }));
    expect(err.message).toBe(`cannot rerun job in state ${state}`);
    expect(err.hint).toBe('try to use the job run command instead of the job rerun command');
    expect(err.code).toBe('ConflictJobState');
    expect(err.httpStatus).toBe(409);
    expect((await store.getJob(JobID)).Version).toBe(1);
  });

  it('runs a finished job again as a new version: Pending, "Job rerun requested", job-rerun', async () => {
    const { JobID } = await endpoint().submitJob({ job: dockerJob() });
    await setState(JobID, 'Running', 'Completed');
    const response = await endpoint().rerunJob({ jobIDOrName: 'Docker Job', reason: 'flaky network' });
    expect(response.EvaluationID).toMatch(uuidPattern);
    expect(response).toEqual({ EvaluationID: response.EvaluationID, JobID, JobVersion: 2, Warnings: null });
    const job = await store.getJob(JobID);
    expect(job).toMatchObject({ Version: 2, State: { StateType: 'Pending', Message: 'job rerun' } });
    expect((await history(JobID)).at(-1)).toEqual({
      JobVersion: 2,
      Message: 'Job rerun requested',
      Topic: 'Submission',
      Details: { Reason: 'flaky network' },
    });
    expect(await store.getEvaluation(response.EvaluationID)).toMatchObject({
      JobID,
      TriggeredBy: 'job-rerun',
      Type: 'batch',
    });
  });

  it('records Go\'s reason "job rerun" when none is given; Stopped and Failed jobs can be rerun', async () => {
    for (const state of ['Stopped', 'Failed'] as const) {
      const { JobID } = await endpoint().submitJob({ job: dockerJob({ Name: state }) });
      await setState(JobID, 'Running', state);
      await endpoint().rerunJob({ jobIDOrName: JobID });
      expect((await history(JobID)).at(-1)?.Details).toEqual({ Reason: 'job rerun' });
    }
  });

  it('reruns the spec of the version asked for', async () => {
    const { JobID } = await endpoint().submitJob({ job: dockerJob({ Count: 1 }) });
    await endpoint().submitJob({ job: dockerJob({ Count: 2 }) });
    await setState(JobID, 'Running', 'Completed');
    const response = await endpoint().rerunJob({ jobIDOrName: JobID, jobVersion: 1 });
    expect(response.JobVersion).toBe(3);
    const job = await store.getJob(JobID);
    expect(job).toMatchObject({ Version: 3, Count: 1 });
  });

  it('is NotFound (404) for an unknown job or version', async () => {
    const { JobID } = await endpoint().submitJob({ job: dockerJob() });
    await setState(JobID, 'Running', 'Completed');
    const version = await rejection(endpoint().rerunJob({ jobIDOrName: JobID, jobVersion: 7 }));
    expect(version.message).toBe(`job version 7 not found for job ${JobID}`);
    expect(version.httpStatus).toBe(404);
    const job = await rejection(endpoint().rerunJob({ jobIDOrName: 'nope' }));
    expect(job.httpStatus).toBe(404);
    expect((await store.getJob(JobID)).Version).toBe(1);
  });

  it('refuses a version that is not a non-negative integer (400)', async () => {
    for (const jobVersion of [-1, 1.5]) {
      const err = await rejection(endpoint().rerunJob({ jobIDOrName: 'x', jobVersion }));
      expect(err.message).toBe(`invalid job version: ${jobVersion}`);
      expect(err.httpStatus).toBe(400);
    }
  });
});
