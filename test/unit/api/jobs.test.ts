/**
 * The job routes against a real store and endpoint, asserted field by field against reference 6.1 and
 * 6.4 (Go's field order and omitempty included).
 */
import { randomUUID } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodePagingToken } from '../../../src/api/apimodels/paging-token.js';
import { listJobsResponseSchema } from '../../../src/api/apimodels/wire.js';
import { goJson, wire } from '../../../src/api/server/json.js';
import { settle } from '../../../src/lib/clock.js';
import { emptyRunCommandResult, type RunCommandResult } from '../../../src/models/execution.js';
import { emptyJob } from '../../../src/models/job.js';
import { notAnsweringError } from '../../../src/transport/nats/logstream/errors.js';
import { EndedStreamGraceMs } from '../../../src/api/server/routes/logs.js';
import type { ApiLogSource, ExecutionLogsRequest } from '../../../src/api/server/types.js';
import {
  at,
  call,
  dockerJob,
  expectApiError,
  keys,
  list,
  OrchestratorID,
  withApi,
  type ApiHarness,
  str,
  type W,
} from './harness.js';

const jobs = '/api/v1/orchestrator/jobs';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const jobIdPattern = /^j-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const jobKeys = [
  'ID',
  'Name',
  'Namespace',
  'Type',
  'Priority',
  'Count',
  'Constraints',
  'Meta',
  'Labels',
  'Tasks',
  'State',
  'Version',
  'Revision',
  'CreateTime',
  'ModifyTime',
];

/** Reference 6.4's job, field by field. */
function expectCanonicalJob(job: W, id: string): void {
  expect(keys(job)).toEqual(jobKeys);
  expect(job.ID).toBe(id);
  expect(job.Name).toBe('Docker Job');
  expect(job.Namespace).toBe('default');
  expect(job.Type).toBe('batch');
  expect(job.Priority).toBe(0);
  expect(job.Count).toBe(1);
  expect(job.Constraints).toEqual([]);
  expect(job.Meta).toEqual({
    'bacalhau.org/orchestrator.id': OrchestratorID,
    'bacalhau.org/requester.id': OrchestratorID,
  });
  expect(job.Labels).toEqual({});
  expect(list(job.Tasks)).toHaveLength(1);
  const task = job.Tasks[0];
  expect(keys(task)).toEqual(['Name', 'Engine', 'Publisher', 'Resources', 'Network', 'Timeouts']);
  expect(task.Name).toBe('main');
  expect(task.Engine).toEqual({
    Type: 'docker',
    Params: { Entrypoint: ['/bin/sh'], Image: 'busybox:1.37.0', Parameters: ['-c', 'echo 15'] },
  });
  expect(task.Publisher).toEqual({ Type: '' });
  expect(task.Resources).toEqual({ CPU: '500m', Memory: '512mb' });
  expect(task.Network).toEqual({ Type: 'Default' });
  expect(task.Timeouts).toEqual({});
  expect(job.State).toEqual({ StateType: 'Pending' });
  expect(job.Version).toBe(1);
  expect(job.Revision).toBe(1);
  expect(typeof job.CreateTime).toBe('number');
  expect(job.CreateTime).toBe(Date.UTC(2024, 0, 1) * 1e6);
  expect(job.ModifyTime).toBe(job.CreateTime);
}

async function submitted(api: ApiHarness, job = dockerJob()): Promise<string> {
  return api.submit(job);
}

/** The IDs of `count` jobs named job-0, job-1, …, submitted a second apart. */
async function submittedInTurn(api: ApiHarness, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    api.clock.advance(1000);
    ids.push(await submitted(api, dockerJob({ Name: `job-${i}` })));
  }
  return ids;
}

describe('PUT|POST /jobs', () => {
  it('submits the canonical job: {JobID, EvaluationID, Warnings: null}', async () => {
    await withApi({}, async (api) => {
      for (const method of ['PUT', 'POST'] as const) {
        const res = await call(api, method, jobs, {
          Job: dockerJob({ Name: `job-${method}` }),
          Force: false,
        });
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('application/json');
        expect(res.text.endsWith('\n')).toBe(true);
        expect(keys(res.body)).toEqual(['JobID', 'EvaluationID', 'Warnings']);
        expect(res.body.JobID).toMatch(jobIdPattern);
        expect(res.body.EvaluationID).toMatch(uuid);
        expect(res.body.Warnings).toBeNull();
      }
    });
  });

  it('decodes keys case-insensitively, body and job alike', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'PUT', jobs, {
        job: {
          name: 'lower',
          TYPE: 'batch',
          tasks: [{ name: 'main', engine: { type: 'docker', params: { Image: 'busybox' } } }],
        },
        force: false,
      });
      expect(res.status).toBe(200);
      const job = await call(api, 'GET', `${jobs}/lower`);
      expect(job.body.Job.Name).toBe('lower');
      expect(job.body.Job.Count).toBe(1);
      expect(job.body.Job.Tasks[0]?.Engine).toEqual({ Type: 'docker', Params: { Image: 'busybox' } });
    });
  });

  it('records the client installation and instance IDs from the headers', async () => {
    await withApi({}, async (api) => {
      const res = await call(
        api,
        'PUT',
        jobs,
        { Job: dockerJob() },
        {
          'X-Bacalhau-InstallationID': 'inst-1',
          'X-Bacalhau-InstanceID': 'instance-2',
        },
      );
      const job = await call(api, 'GET', `${jobs}/${str(res.body.JobID)}`);
      expect(at(job.body.Job.Meta, 'bacalhau.org/client.installation.id')).toBe('inst-1');
      expect(at(job.body.Job.Meta, 'bacalhau.org/client.instance.id')).toBe('instance-2');
    });
  });

  it('returns sanitize warnings', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'PUT', jobs, { Job: dockerJob({ ID: 'j-mine', Bogus: 1 }) });
      expect(res.status).toBe(200);
      expect(list(res.body.Warnings)).toEqual(
        expect.arrayContaining(['job ID is ignored when submitting a batch job']),
      );
    });
  });

  it('refuses an invalid spec with 400 in Go\u2019s shape, naming every problem', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'PUT', jobs, {
        Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: {} }] },
      });
      expectApiError(res, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: 'task main validation failed: invalid engine: missing spec type',
      });
      const typed = await call(api, 'PUT', jobs, { Job: dockerJob({ Count: 'two' }) });
      expectApiError(typed, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /field: 'Count' in 'Job' is invalid type: 'string' expected: 'int'/,
      });
      const empty = await call(api, 'PUT', jobs, {});
      expectApiError(empty, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: 'empty/nil job',
      });
      const force = await call(api, 'PUT', jobs, { Job: dockerJob(), Force: 'yes' });
      expectApiError(force, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: "field: 'Force' in 'PutJobRequest' is invalid type: 'string' expected: 'bool'",
      });
      const array = await call(api, 'PUT', jobs, [1, 2]);
      expectApiError(array, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: 'invalid request body: expected a JSON object (PutJobRequest), got array',
      });
      const notJson = await call(api, 'PUT', jobs, '{"Job":');
      expectApiError(notJson, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /^invalid JSON body/,
      });
      const deep = `{"Job":{"Name":"deep","Meta":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
      expectApiError(await call(api, 'PUT', jobs, deep), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: 'invalid JSON body: nested too deeply',
      });
    });
  });

  it('answers a spec with 10,000 bad entries in one readable 400, listing 20 problems and counting the rest', async () => {
    await withApi({}, async (api) => {
      const [task] = dockerJob().Tasks as object[];
      const wrongTypes = await call(api, 'PUT', jobs, {
        Job: { ...dockerJob(), Tasks: Array<string>(10_000).fill('a') },
      });
      expect(wrongTypes.status).toBe(400);
      const typeLines = str(wrongTypes.body.Message).split('\n');
      expect(typeLines).toHaveLength(21);
      expect(typeLines[0]).toBe("field: 'Tasks' in 'Job' is invalid type: 'string' expected: 'models.Task'");
      expect(typeLines[20]).toBe('… and 9980 more type errors like these');

      const badPaths = Array<object>(10_000).fill({ Name: '', Path: 'rel' });
      const invalid = await call(api, 'PUT', jobs, {
        Job: { ...dockerJob(), Tasks: [{ ...task, ResultPaths: badPaths }] },
      });
      expect(invalid.status).toBe(400);
      const lines = str(invalid.body.Message).split('\n');
      // one problem, the task's (Go's errors.Join): two lines per path (no name, not absolute),
      // the first 20 listed and the rest counted, then the repeated path
      expect(invalid.body.Details).toEqual({ problems: '1' });
      expect(lines).toHaveLength(22);
      expect(lines[0]).toBe('task main validation failed: invalid output: missing name');
      expect(lines[20]).toBe('… and 19980 more problems');
      expect(lines[21]).toBe("result path 'rel' already exists");

      const never = Array<object>(10_000).fill({ Key: 'a', Operator: 'bogus', Values: ['x'] });
      const accepted = await call(api, 'PUT', jobs, { Job: { ...dockerJob(), Constraints: never } });
      expect(accepted.status).toBe(200);
      const warnings: unknown = accepted.body.Warnings;
      expect(Array.isArray(warnings) && warnings.length).toBe(21);
      expect(Array.isArray(warnings) && warnings[20]).toBe('… and 9980 more warnings');
    });
  });

  it('refuses a list or map of more than 10,000 entries, before reading the rest of the spec', async () => {
    await withApi({}, async (api) => {
      const env = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`V${i}`, 'x']));
      const [task] = dockerJob().Tasks as object[];
      const answer = await call(api, 'PUT', jobs, {
        Job: { ...dockerJob(), Tasks: [{ ...task, Env: env }] },
      });
      expectApiError(answer, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message:
          'Job.Tasks[0].Env: 100000 keys, more than the 10000 one list or map of a request body may hold',
      });
      expect(answer.body.Hint).toBe(
        'Pass large data to the task as an input (inline, urlDownload or local) rather than in the spec',
      );
    });
  });

  it('refuses an identical resubmission with 409 unless forced, and updates otherwise', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const again = await call(api, 'PUT', jobs, { Job: dockerJob() });
      expectApiError(again, {
        status: 409,
        code: 'ResourceInUse',
        component: 'Orchestrator',
        message: `no changes detected for new job spec. Job Name: 'Docker Job', Job Id: '${id}'`,
      });
      expect(again.body.Hint).toBe('Use the --force flag to override this warning');
      const forced = await call(api, 'PUT', jobs, { Job: dockerJob(), Force: true });
      expect(forced.status).toBe(200);
      expect(forced.body.JobID).toBe(id);
      const job = await call(api, 'GET', `${jobs}/${id}`);
      expect(job.body.Job.Version).toBe(2);
    });
  });
});

describe('PUT /jobs/diff', () => {
  it('answers {Diff, Warnings}', async () => {
    await withApi({}, async (api) => {
      await submitted(api);
      const same = await call(api, 'PUT', `${jobs}/diff`, { Job: dockerJob() });
      expect(same.status).toBe(200);
      expect(keys(same.body)).toEqual(['Diff', 'Warnings']);
      expect(same.body.Diff).toBe('');
      expect(same.body.Warnings).toBeNull();
      const changed = await call(api, 'PUT', `${jobs}/diff`, { Job: dockerJob({ Count: 3 }) });
      expect(changed.body.Diff).toContain('Count');
    });
  });

  it('needs a name (400) and an existing job (404)', async () => {
    await withApi({}, async (api) => {
      const nameless = await call(api, 'PUT', `${jobs}/diff`, { Job: dockerJob({ Name: '' }) });
      expectApiError(nameless, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: 'invalid job spec: name is missing',
      });
      const unknown = await call(api, 'PUT', `${jobs}/diff`, { Job: dockerJob({ Name: 'nope' }) });
      expectApiError(unknown, { status: 404, code: 'NotFound', component: 'JobStore' });
    });
  });
});

describe('GET /jobs', () => {
  it('lists jobs as {NextToken, Items}', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const res = await call(api, 'GET', jobs);
      expect(res.status).toBe(200);
      expect(keys(res.body)).toEqual(['NextToken', 'Items']);
      expect(res.body.NextToken).toBe('');
      expect(list(res.body.Items)).toHaveLength(1);
      expectCanonicalJob(res.body.Items[0], id);
    });
  });

  it('sends a long list in parts, byte for byte the answer encoded at once', async () => {
    // parts cut after every item: a list of three is streamed
    await withApi({ server: { listSliceMs: 0 } }, async (api) => {
      for (let i = 0; i < 3; i++) await submitted(api, dockerJob({ Name: `job-${i}` }));
      const { items } = await api.store.listJobs();
      for (const query of ['', '?pretty']) {
        const res = await api.app.inject({ method: 'GET', url: `${jobs}${query}` });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('application/json');
        expect(res.headers['content-length']).toBeUndefined();
        expect(res.headers['transfer-encoding']).toBe('chunked');
        const atOnce = goJson(wire({ NextToken: '', Items: items }, listJobsResponseSchema), {
          pretty: query !== '',
        });
        expect(res.body).toBe(atOnce);
      }
      // one item is one part: sent whole, with its length
      const one = await api.app.inject({ method: 'GET', url: `${jobs}?limit=1` });
      expect(one.headers['content-length']).toBe(String(one.rawPayload.length));
    });
  });

  it('cuts a list answer still being streamed when the server closes', async () => {
    await withApi({ server: { listSliceMs: 0, host: '127.0.0.1', port: 0 } }, async (api) => {
      // 32 MB of answer: more than the sockets between a client that stopped reading and the server hold
      const big = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 500; i++) {
        await api.store.createJob({
          ...emptyJob(),
          ID: `j-${randomUUID()}`,
          Name: `big-${i}`,
          Type: 'batch',
          Count: 1,
          Meta: { big },
          Tasks: [{ Name: 'main', Engine: { Type: 'docker', Params: { Image: 'busybox' } } }],
        });
      }
      const address = await api.server.listen();
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        get(`${address}${jobs}`, resolve).once('error', reject);
      });
      response.pause();
      let error: Error | undefined;
      response.on('error', (err) => (error = err));
      // (not events.once: it would reject on the error)
      const closed = new Promise((resolve) => response.once('close', resolve));
      // the client no longer reads: without the cut, the close would wait for it for good
      await api.server.close();
      response.resume();
      await closed;
      expect(response.statusCode).toBe(200);
      expect(response.complete).toBe(false);
      expect(error?.message).toBe('aborted');
    });
  });

  it('pages with Bacalhau\u2019s paging token, which keeps order, direction and size', async () => {
    await withApi({}, async (api) => {
      const ids = await submittedInTurn(api, 5);
      const first = await call(api, 'GET', `${jobs}?limit=2&order_by=created_at&reverse=true`);
      expect(list(first.body.Items).map((j) => j.ID)).toEqual([ids[4], ids[3]]);
      expect(first.body.NextToken).toBe(
        encodePagingToken({ sortBy: 'created_at', sortReverse: true, limit: 2, offset: 2, addedUpTo: 5 }),
      );
      // Go's token text, base64 RawURL of "created_at:Y:2:2", and the mark of the jobs listed (the 5th)
      expect(first.body.NextToken).toBe(Buffer.from('created_at:Y:2:2:5').toString('base64url'));
      // The token wins over the request's own order and size.
      const second = await call(
        api,
        'GET',
        `${jobs}?limit=50&reverse=false&next_token=${str(first.body.NextToken)}`,
      );
      expect(list(second.body.Items).map((j) => j.ID)).toEqual([ids[2], ids[1]]);
      const third = await call(api, 'GET', `${jobs}?next_token=${str(second.body.NextToken)}`);
      expect(list(third.body.Items).map((j) => j.ID)).toEqual([ids[0]]);
      expect(third.body.NextToken).toBe('');
      // even an order the route does not know: the token's replaces it, as in Go
      const again = await call(api, 'GET', `${jobs}?order_by=name&next_token=${str(first.body.NextToken)}`);
      expect(again.status).toBe(200);
      expect(list(again.body.Items).map((j) => j.ID)).toEqual([ids[2], ids[1]]);
    });
  });

  it('orders by ID (which Bacalhau offers and refuses), paging in that order', async () => {
    await withApi({}, async (api) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await submitted(api, dockerJob({ Name: `job-${i}` })));
      const sorted = [...ids].sort();
      const first = await call(api, 'GET', `${jobs}?limit=2&order_by=id`);
      expect(list(first.body.Items).map((j) => j.ID)).toEqual(sorted.slice(0, 2));
      expect(first.body.NextToken).toBe(Buffer.from('id:N:2:2:3').toString('base64url'));
      const second = await call(api, 'GET', `${jobs}?next_token=${str(first.body.NextToken)}`);
      expect(list(second.body.Items).map((j) => j.ID)).toEqual(sorted.slice(2));
    });
  });

  it('lists no job twice, newest first, while jobs are submitted between pages (Bacalhau does)', async () => {
    await withApi({}, async (api) => {
      const ids = await submittedInTurn(api, 4);
      const first = await call(api, 'GET', `${jobs}?limit=2&reverse=true`);
      expect(list(first.body.Items).map((j) => j.ID)).toEqual([ids[3], ids[2]]);
      api.clock.advance(1000);
      const added = await submitted(api, dockerJob({ Name: 'added' }));
      const second = await call(api, 'GET', `${jobs}?next_token=${str(first.body.NextToken)}`);
      expect(list(second.body.Items).map((j) => j.ID)).toEqual([ids[1], ids[0]]);
      // a token as Bacalhau writes it (no mark) still pages, by offset alone: the added job pushes one back
      const goToken = Buffer.from('created_at:Y:2:2').toString('base64url');
      const byOffset = await call(api, 'GET', `${jobs}?next_token=${goToken}`);
      expect(list(byOffset.body.Items).map((j) => j.ID)).toEqual([ids[2], ids[1]]);
      const fresh = await call(api, 'GET', `${jobs}?limit=2&reverse=true`);
      expect(list(fresh.body.Items).map((j) => j.ID)).toEqual([added, ids[3]]);
    });
  });

  it('filters by label selectors (repeated parameters are ANDed)', async () => {
    await withApi({}, async (api) => {
      const prod = await submitted(api, dockerJob({ Name: 'a', Labels: { env: 'prod', tier: 'web' } }));
      const dev = await submitted(api, dockerJob({ Name: 'b', Labels: { env: 'dev' } }));
      const none = await submitted(api, dockerJob({ Name: 'c' }));
      const ids = async (query: string): Promise<unknown[]> =>
        list((await call(api, 'GET', `${jobs}?${query}`)).body.Items).map((j) => j.ID);
      expect(await ids('labels=env%3Dprod')).toEqual([prod]);
      expect(await ids('labels=env%20in%20(prod,dev)')).toEqual([prod, dev]);
      expect(await ids('labels=!env')).toEqual([none]);
      expect(await ids('labels=env&labels=tier%3Dweb')).toEqual([prod]);
      expect(await ids('labels=env!%3Dprod')).toEqual([dev, none]);
      // A filter and paging: offsets count matching jobs only.
      const page = await call(api, 'GET', `${jobs}?labels=env&limit=1`);
      expect(list(page.body.Items).map((j) => j.ID)).toEqual([prod]);
      const next = await call(api, 'GET', `${jobs}?labels=env&next_token=${str(page.body.NextToken)}`);
      expect(list(next.body.Items).map((j) => j.ID)).toEqual([dev]);
    });
  });

  it('filters by namespace; "" and "*" mean every namespace', async () => {
    await withApi({}, async (api) => {
      const a = await submitted(api, dockerJob({ Name: 'a', Namespace: 'team-a' }));
      const b = await submitted(api, dockerJob({ Name: 'b' }));
      const ids = async (query: string): Promise<unknown[]> =>
        list((await call(api, 'GET', `${jobs}?${query}`)).body.Items).map((j) => j.ID);
      expect(await ids('namespace=team-a')).toEqual([a]);
      expect(await ids('namespace=default')).toEqual([b]);
      expect(await ids('namespace=*')).toEqual([a, b]);
      expect(await ids('namespace=')).toEqual([a, b]);
    });
  });

  it('reads parameters in any case when the exact name is absent, as echo\u2019s binder does', async () => {
    await withApi({}, async (api) => {
      const a = await submitted(api, dockerJob({ Name: 'a' }));
      const b = await submitted(api, dockerJob({ Name: 'b' }));
      const ids = async (query: string): Promise<unknown[]> =>
        list((await call(api, 'GET', `${jobs}?${query}`)).body.Items).map((j) => j.ID);
      expect(await ids('Limit=1&REVERSE=true')).toEqual([b]);
      expect(await ids('reverse=false&Reverse=true')).toEqual([a, b]);
      const bad = await call(api, 'GET', `${jobs}?Limit=x`);
      expect(bad.status).toBe(400);
    });
  });

  it('refuses malformed parameters with 400 naming them', async () => {
    await withApi({}, async (api) => {
      const cases: [string, RegExp][] = [
        ['limit=abc', /^invalid query parameter 'limit': "abc" is not an integer$/],
        ['limit=-1', /^invalid query parameter 'limit': "-1" is not an integer >= 0$/],
        ['limit=4294967296', /'limit'.*<= 4294967295/],
        ['reverse=maybe', /^invalid query parameter 'reverse': "maybe" is not a boolean/],
        [
          'order_by=name',
          /^invalid query parameter 'order_by': "name" is not one of "created_at", "modified_at", "id"$/,
        ],
        ['labels=a%20in', /^invalid query parameter 'labels': /],
        ['next_token=%25%25', /^failed to decode paging token: invalid paging token: %%$/],
        ['next_token=YTpi', /^invalid number of parts: invalid paging token: YTpi$/],
        [
          `next_token=${Buffer.from('x:N:a:0').toString('base64url')}`,
          /^malformed token: invalid paging token/,
        ],
        [`next_token=${Buffer.from('name:N:1:0').toString('base64url')}`, /^invalid paging token/],
      ];
      for (const [query, message] of cases) {
        const res = await call(api, 'GET', `${jobs}?${query}`);
        expectApiError(res, { status: 400, code: 'InternalError', component: 'APIServer', message });
      }
    });
  });

  it('quotes an over-long label key once in its 400, not again in full in the details', async () => {
    await withApi({}, async (api) => {
      const key = `${'k'.repeat(60_000)}=1`;
      const res = await call(api, 'GET', `${jobs}?labels=${key}`);
      expect(res.status).toBe(400);
      expect(res.text.split('k'.repeat(1000)).length - 1).toBeLessThanOrEqual(100);
      expect(res.body.Details).toMatchObject({
        parameter: 'labels',
        selector: `${'k'.repeat(200)}…`,
        token: `${'k'.repeat(200)}…`,
      });
    });
  });
});

describe('GET /jobs/{id}', () => {
  it('finds a job by full ID, short ID and name', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      for (const ref of [id, id.slice(0, 10), 'Docker%20Job']) {
        const res = await call(api, 'GET', `${jobs}/${ref}`);
        expect(res.status).toBe(200);
        expect(keys(res.body)).toEqual(['Job']);
        expectCanonicalJob(res.body.Job, id);
      }
    });
  });

  it('includes history and executions of the job\u2019s version', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      await api.execution(id, { state: 'Completed', nodeId: 'n-7d3' });
      const res = await call(api, 'GET', `${jobs}/${id}?include=executions,history`);
      expect(keys(res.body)).toEqual(['Job', 'History', 'Executions']);
      expect(keys(res.body.History)).toEqual(['NextToken', 'Items']);
      expect(res.body.History.NextToken).toBe('');
      const entry = res.body.History.Items[0];
      expect(keys(entry)).toEqual(['SeqNum', 'Type', 'JobID', 'JobVersion', 'Event', 'Time']);
      expect(entry.SeqNum).toBe(1);
      expect(entry.Type).toBe('JobLevel');
      expect(entry.JobID).toBe(id);
      expect(entry.JobVersion).toBe(1);
      expect(keys(entry.Event)).toEqual(['Message', 'Topic', 'Timestamp']);
      expect(entry.Event.Message).toBe('Job submitted');
      expect(entry.Event.Topic).toBe('Submission');
      expect(entry.Time).toBe('2024-01-01T00:00:00Z');

      expect(keys(res.body.Executions)).toEqual(['NextToken', 'Items']);
      const execution = res.body.Executions.Items[0];
      expect(keys(execution)).toEqual([
        'ID',
        'Namespace',
        'EvalID',
        'Name',
        'NodeID',
        'JobID',
        'JobVersion',
        'AllocatedResources',
        'DesiredState',
        'ComputeState',
        'PublishedResult',
        'RunOutput',
        'PreviousExecution',
        'NextExecution',
        'FollowupEvalID',
        'Revision',
        'CreateTime',
        'ModifyTime',
      ]);
      expect(execution.NodeID).toBe('n-7d3');
      expect(execution.JobID).toBe(id);
      expect(execution.AllocatedResources).toEqual({ Tasks: {} });
      expect(execution.DesiredState).toEqual({ StateType: 2, Message: 'execution completed' });
      expect(execution.ComputeState).toEqual({ StateType: 9 });
      expect(execution.PublishedResult).toEqual({ Type: '' });
      expect(keys(execution.RunOutput)).toEqual([
        'Stdout',
        'StdoutTruncated',
        'stderr',
        'StderrTruncated',
        'ExitCode',
        'ErrorMsg',
      ]);

      const only = await call(api, 'GET', `${jobs}/${id}?include=executions`);
      expect(keys(only.body)).toEqual(['Job', 'Executions']);
      // Go ignores what it does not know (its oneof tag is never checked), case included
      const other = await call(api, 'GET', `${jobs}/${id}?include=events,HISTORY`);
      expect(other.status).toBe(200);
      expect(keys(other.body)).toEqual(['Job']);
    });
  });

  it('serves an older version with job_version', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      await call(api, 'PUT', jobs, { Job: dockerJob({ Count: 2 }) });
      const v1 = await call(api, 'GET', `${jobs}/${id}?job_version=1`);
      expect(v1.body.Job.Version).toBe(1);
      expect(v1.body.Job.Count).toBe(1);
      const latest = await call(api, 'GET', `${jobs}/${id}`);
      expect(latest.body.Job.Version).toBe(2);
      expect(latest.body.Job.Count).toBe(2);
      const missing = await call(api, 'GET', `${jobs}/${id}?job_version=9`);
      expectApiError(missing, { status: 404, code: 'NotFound', component: 'JobStore' });
    });
  });

  it('answers 404 for an unknown job and 409 for an ambiguous prefix', async () => {
    await withApi({}, async (api) => {
      await submitted(api, dockerJob({ Name: 'a' }));
      await submitted(api, dockerJob({ Name: 'b' }));
      const unknown = await call(api, 'GET', `${jobs}/j-ffffffff`);
      expectApiError(unknown, {
        status: 404,
        code: 'NotFound',
        component: 'JobStore',
        message: 'job not found: j-ffffffff',
      });
      const ambiguous = await call(api, 'GET', `${jobs}/j-`);
      expectApiError(ambiguous, { status: 409, code: 'MultipleJobsFound', component: 'JobStore' });
    });
  });
});

// Blocking reads (`index`, `wait`): our addition, which Bacalhau ignores (it answers at once).
describe('GET /jobs/{id}?index=&wait= (blocking read)', () => {
  /** A request, and whether it has been answered yet. */
  const pending = (api: ApiHarness, url: string) => {
    const state = { answered: false };
    const answer = call(api, 'GET', url).then((res) => {
      state.answered = true;
      return res;
    });
    return { answer, state };
  };

  it('answers at once when the job is past the given Revision', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const res = await call(api, 'GET', `${jobs}/${id}?index=0`);
      expect(res.status).toBe(200);
      expect(res.body.Job.Revision).toBe(1);
    });
  });

  it('waits for the job’s next change, and not for another job’s', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const other = await submitted(api, { ...dockerJob(), Name: 'other' });
      const request = pending(api, `${jobs}/${id}?index=1&wait=10s`);
      await settle();
      await api.jobState(other, 'Running');
      await settle();
      expect(request.state.answered).toBe(false);
      await api.jobState(id, 'Running');
      const res = await request.answer;
      expect(res.status).toBe(200);
      expect(res.body.Job.Revision).toBe(2);
      expect(res.body.Job.State.StateType).toBe('Running');
    });
  });

  it('answers with the job as it is when the wait is up', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const request = pending(api, `${jobs}/${id}?index=1&wait=300ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(request.state.answered).toBe(false);
      const res = await request.answer;
      expect(res.status).toBe(200);
      expect(res.body.Job.Revision).toBe(1);
    });
  });

  it('answers waiting requests when the server closes', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const request = pending(api, `${jobs}/${id}?index=1`);
      await settle();
      await api.server.close();
      expect((await request.answer).status).toBe(200);
    });
  });

  it('refuses a wait that is not a duration, naming the parameter', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const res = await call(api, 'GET', `${jobs}/${id}?index=1&wait=soon`);
      expectApiError(res, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: `invalid query parameter 'wait': time: invalid duration "soon"`,
      });
      expect(res.body.Hint).toBe('give a duration such as "10s" or "500ms"');
    });
  });
});

describe('DELETE /jobs/{id}', () => {
  it('stops a job with the body\u2019s reason; stopping again is a no-op', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const res = await call(api, 'DELETE', `${jobs}/${id}`, { reason: 'enough' });
      expect(res.status).toBe(200);
      expect(keys(res.body)).toEqual(['EvaluationID']);
      expect(res.body.EvaluationID).toMatch(uuid);
      const job = await call(api, 'GET', `${jobs}/${id}?include=history`);
      expect(job.body.Job.State).toEqual({ StateType: 'Stopped', Message: 'enough' });
      const events = list(job.body.History.Items).map((h) => h.Event.Message);
      expect(events).toContain('Job requested to stop before completion');
      const again = await call(api, 'DELETE', `${jobs}/${id}`, { reason: 'again' });
      expect(again.body).toEqual({ EvaluationID: '' });
    });
  });

  it('reads `Reason` case-insensitively and falls back to ?reason= (bacalhau-ts)', async () => {
    await withApi({}, async (api) => {
      const a = await submitted(api, dockerJob({ Name: 'a' }));
      await call(api, 'DELETE', `${jobs}/${a}`, { REASON: 'upper' });
      expect((await call(api, 'GET', `${jobs}/${a}`)).body.Job.State.Message).toBe('upper');
      const b = await submitted(api, dockerJob({ Name: 'b' }));
      await call(api, 'DELETE', `${jobs}/${b}?reason=User%20requested%20stop`);
      expect((await call(api, 'GET', `${jobs}/${b}`)).body.Job.State.Message).toBe('User requested stop');
    });
  });

  it('answers 409 for a completed or failed job and 404 for an unknown one', async () => {
    await withApi({}, async (api) => {
      const done = await submitted(api, dockerJob({ Name: 'done' }));
      await api.jobState(done, 'Completed');
      const res = await call(api, 'DELETE', `${jobs}/${done}`, { reason: 'x' });
      expectApiError(res, {
        status: 409,
        code: 'ConflictJobState',
        component: 'Orchestrator',
        message: 'cannot stop job in state Completed',
      });
      const failed = await submitted(api, dockerJob({ Name: 'failed' }));
      await api.jobState(failed, 'Failed');
      expectApiError(await call(api, 'DELETE', `${jobs}/${failed}`), {
        status: 409,
        code: 'ConflictJobState',
        component: 'Orchestrator',
        message: 'cannot stop job in state Failed',
      });
      expectApiError(await call(api, 'DELETE', `${jobs}/nope`), {
        status: 404,
        code: 'NotFound',
        component: 'JobStore',
      });
      expectApiError(await call(api, 'DELETE', `${jobs}/${done}`, { reason: 7 }), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: "field: 'reason' in 'StopJobRequest' is invalid type: 'number' expected: 'string'",
      });
    });
  });
});

describe('PUT /jobs/{id}/rerun', () => {
  it('reruns a finished job as a new version', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      await api.jobState(id, 'Completed');
      const res = await call(api, 'PUT', `${jobs}/${id}/rerun`, { JobVersion: 0, Reason: 'again' });
      expect(res.status).toBe(200);
      expect(keys(res.body)).toEqual(['EvaluationID', 'JobID', 'JobVersion', 'Warnings']);
      expect(res.body.EvaluationID).toMatch(uuid);
      expect(res.body.JobID).toBe(id);
      expect(res.body.JobVersion).toBe(2);
      expect(res.body.Warnings).toBeNull();
    });
  });

  it('answers 409 for a pending job, 404 for an unknown job or version, 400 for a bad version', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      expectApiError(await call(api, 'PUT', `${jobs}/${id}/rerun`, {}), {
        status: 409,
        code: 'ConflictJobState',
        component: 'Orchestrator',
        message: 'cannot rerun job in state Pending',
      });
      await api.jobState(id, 'Completed');
      expectApiError(await call(api, 'PUT', `${jobs}/${id}/rerun`, { JobVersion: 7 }), {
        status: 404,
        code: 'NotFound',
        component: 'JobStore',
      });
      expectApiError(await call(api, 'PUT', `${jobs}/nope/rerun`, {}), {
        status: 404,
        code: 'NotFound',
        component: 'JobStore',
      });
      expectApiError(await call(api, 'PUT', `${jobs}/${id}/rerun`, { JobVersion: -1 }), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /'JobVersion' in 'RerunJobRequest'/,
      });
    });
  });
});

describe('GET /jobs/{id}/history', () => {
  it('is a long-poll cursor: NextToken stays while the job is not terminal', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      await api.store.addJobHistory(id, 0, [
        { Message: 'second', Topic: 'Test', Timestamp: '' },
        { Message: 'third', Topic: 'Test', Timestamp: '' },
      ]);
      const first = await call(api, 'GET', `${jobs}/${id}/history?limit=2`);
      expect(keys(first.body)).toEqual(['NextToken', 'Items']);
      expect(list(first.body.Items).map((h) => h.SeqNum)).toEqual([1, 2]);
      // Go's history token: base64 RawURL of ":N:<limit>:<next SeqNum>".
      expect(first.body.NextToken).toBe(Buffer.from(':N:2:3').toString('base64url'));
      expect(first.body.NextToken).toBe(
        encodePagingToken({ sortBy: '', sortReverse: false, limit: 2, offset: 3 }),
      );

      const second = await call(api, 'GET', `${jobs}/${id}/history?next_token=${str(first.body.NextToken)}`);
      expect(list(second.body.Items).map((h) => h.SeqNum)).toEqual([3]);
      // Every entry read, but the job is still Pending: the cursor stays open.
      expect(second.body.NextToken).not.toBe('');
      const idle = await call(api, 'GET', `${jobs}/${id}/history?next_token=${str(second.body.NextToken)}`);
      expect(list(idle.body.Items)).toEqual([]);
      expect(idle.body.NextToken).not.toBe('');

      // The job stops: one more entry, then the cursor closes.
      await call(api, 'DELETE', `${jobs}/${id}`, { reason: 'done' });
      const last = await call(api, 'GET', `${jobs}/${id}/history?next_token=${str(idle.body.NextToken)}`);
      expect(list(last.body.Items).map((h) => h.Event.Message)).toEqual([
        'Job requested to stop before completion',
      ]);
      expect(last.body.NextToken).toBe('');
    });
  });

  it('filters by event type, execution and version', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const execution = await api.execution(id);
      await api.store.addExecutionHistory(id, 0, execution.ID, [
        { Message: 'ran', Topic: 'Execution', Timestamp: '' },
      ]);
      const messages = async (query: string): Promise<unknown[]> =>
        list((await call(api, 'GET', `${jobs}/${id}/history?${query}`)).body.Items).map(
          (h) => h.Event.Message,
        );
      expect(await messages('event_type=job')).toEqual(['Job submitted']);
      expect(await messages('event_type=execution')).toEqual(['ran']);
      expect(await messages(`execution_id=${execution.ID.slice(0, 12)}`)).toEqual(['ran']);
      const entry = (await call(api, 'GET', `${jobs}/${id}/history?event_type=execution`)).body.Items[0];
      expect(keys(entry)).toEqual(['SeqNum', 'Type', 'JobID', 'JobVersion', 'ExecutionID', 'Event', 'Time']);
      await call(api, 'PUT', jobs, { Job: dockerJob({ Count: 2 }) });
      expect(await messages('')).toEqual(['Job updated']);
      expect(await messages('job_version=1')).toEqual(['Job submitted', 'ran']);
      expect(await messages('all_job_versions=true')).toEqual(['Job submitted', 'ran', 'Job updated']);
      const bad = await call(api, 'GET', `${jobs}/${id}/history?event_type=node`);
      expectApiError(bad, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /'event_type'/,
      });
      const since = await call(api, 'GET', `${jobs}/${id}/history?since=-1`);
      expectApiError(since, {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /'since'/,
      });
      // Go's job store reads the cursor and looks the execution up: its errors
      expectApiError(await call(api, 'GET', `${jobs}/${id}/history?next_token=YTpi`), {
        status: 400,
        code: 'BadRequest',
        component: 'JobStore',
        message: /^invalid next token: invalid number of parts: invalid paging token: YTpi$/,
      });
      // a job list's token, with its fifth part, is not a history cursor (Go knows four parts only)
      const listToken = Buffer.from(':N:0:1:7').toString('base64url');
      expectApiError(await call(api, 'GET', `${jobs}/${id}/history?next_token=${listToken}`), {
        status: 400,
        code: 'BadRequest',
        component: 'JobStore',
        message: new RegExp(
          `^invalid next token: invalid number of parts: invalid paging token: ${listToken}$`,
        ),
      });
      expectApiError(await call(api, 'GET', `${jobs}/${id}/history?execution_id=e-nosuch`), {
        status: 404,
        code: 'NotFound',
        component: 'JobStore',
        message: /^execution not found: e-nosuch$/,
      });
    });
  });

  it('fills the deprecated state fields for clients older than v1.5', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const old = await call(api, 'GET', `${jobs}/${id}/history`, undefined, {
        'X-Bacalhau-Git-Version': 'v1.4.2',
      });
      expect(old.body.Items[0]?.JobState).toEqual({});
      const current = await call(api, 'GET', `${jobs}/${id}/history`, undefined, {
        'X-Bacalhau-Git-Version': 'v1.7.0',
      });
      expect(keys(current.body.Items[0])).not.toContain('JobState');
    });
  });
});

describe('GET /jobs/{id}/executions, /versions', () => {
  it('lists the executions of the latest version, ordered', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const a = await api.execution(id);
      const b = await api.execution(id);
      const res = await call(api, 'GET', `${jobs}/${id}/executions`);
      expect(keys(res.body)).toEqual(['NextToken', 'Items']);
      expect(list(res.body.Items).map((e) => e.ID)).toEqual([a.ID, b.ID]);
      const reversed = await call(
        api,
        'GET',
        `${jobs}/${id}/executions?order_by=modified_at&reverse=true&limit=1`,
      );
      expect(list(reversed.body.Items).map((e) => e.ID)).toEqual([b.ID]);
      await call(api, 'PUT', jobs, { Job: dockerJob({ Count: 2 }) });
      expect(list((await call(api, 'GET', `${jobs}/${id}/executions`)).body.Items)).toEqual([]);
      expect(
        list((await call(api, 'GET', `${jobs}/${id}/executions?job_version=1`)).body.Items),
      ).toHaveLength(2);
      expect(
        list((await call(api, 'GET', `${jobs}/${id}/executions?all_job_versions=true`)).body.Items),
      ).toHaveLength(2);
      expectApiError(await call(api, 'GET', `${jobs}/${id}/executions?order_by=node`), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /'order_by'/,
      });
      expectApiError(await call(api, 'GET', `${jobs}/nope/executions`), {
        status: 404,
        code: 'NotFound',
        component: 'JobStore',
      });
    });
  });

  it('lists every version, oldest first', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      await call(api, 'PUT', jobs, { Job: dockerJob({ Count: 2 }) });
      const res = await call(api, 'GET', `${jobs}/Docker%20Job/versions`);
      expect(keys(res.body)).toEqual(['NextToken', 'Items']);
      expect(list(res.body.Items).map((j) => [j.ID, j.Version, j.Count])).toEqual([
        [id, 1, 1],
        [id, 2, 2],
      ]);
    });
  });
});

describe('GET /jobs/{id}/results', () => {
  it('returns the published results of completed executions, unescaped', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      await api.execution(id, {
        state: 'Completed',
        published: { Type: 'local', Params: { URL: 'http://h/r?a=1&b=<2>' } },
      });
      await api.execution(id, { state: 'Completed' }); // nothing published: dropped
      await api.execution(id, {
        state: 'Failed',
        published: { Type: 'local', Params: { URL: 'http://h/failed' } },
      });
      const res = await call(api, 'GET', `${jobs}/${id}/results`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        NextToken: '',
        Items: [{ Type: 'local', Params: { URL: 'http://h/r?a=1&b=<2>' } }],
      });
      expect(res.text).toContain('a=1&b=<2>');
    });
  });

  it('passes results through the result transformer', async () => {
    await withApi(
      {
        deps: () => ({
          resultTransformer: (result) =>
            Promise.resolve(
              result.Type === 's3'
                ? { Type: 's3PreSigned', Params: { PreSignedURL: 'https://signed' } }
                : result,
            ),
        }),
      },
      async (api) => {
        const id = await submitted(api);
        await api.execution(id, {
          state: 'Completed',
          published: { Type: 's3', Params: { Bucket: 'b', Key: 'k' } },
        });
        const res = await call(api, 'GET', `${jobs}/${id}/results`);
        expect(res.body.Items).toEqual([{ Type: 's3PreSigned', Params: { PreSignedURL: 'https://signed' } }]);
      },
    );
  });

  it('refuses service and daemon jobs with 400 (Go: 500)', async () => {
    await withApi({}, async (api) => {
      await submitted(api, dockerJob({ Name: 'svc', Type: 'service' }));
      expectApiError(await call(api, 'GET', `${jobs}/svc/results`), {
        status: 400,
        code: 'BadRequest',
        component: 'Orchestrator',
        message: 'job type service does not support results',
      });
    });
  });
});

describe('GET /jobs/{id}/logs (WebSocket)', () => {
  /** Every frame until the server closes, and the close code (listeners attached before the upgrade). */
  function frames(api: ApiHarness, path: string): Promise<{ frames: unknown[]; code: number }> {
    return new Promise((resolve, reject) => {
      const received: unknown[] = [];
      api.app
        .injectWS(
          path,
          // the plugin's request has no Host header, which a real client's always has
          { headers: { host: 'localhost' } },
          {
            onInit(ws) {
              ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString())));
              ws.on('close', (code: number) => resolve({ frames: received, code }));
              ws.on('error', reject);
            },
          },
        )
        .catch(reject);
    });
  }

  it('sends Go\u2019s error frame when the job has no executions, then closes with 1000', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      const { frames: got, code } = await frames(api, `${jobs}/${id}/logs`);
      expect(got).toEqual([
        {
          error: `failed to open log stream for job ${id}: no executions found for job Docker Job with ID ${id}, and version 0`,
          value: { Type: 0, Line: '' },
        },
      ]);
      expect(code).toBe(1000);
    });
  });

  it('says logs are not available yet when no log source is wired in', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      await api.execution(id, { state: 'Running' });
      const { frames: got, code } = await frames(api, `${jobs}/${id}/logs?follow=true`);
      expect(got).toEqual([
        {
          error: `failed to open log stream for job ${id}: log streaming is not available on this node yet`,
          value: { Type: 0, Line: '' },
        },
      ]);
      expect(code).toBe(1000);
    });
  });

  /** A stream whose node stopped serving it: one line, then nothing, never its end. */
  const oneLineThenSilence = (): ApiLogSource => ({
    async *streamLogs(_request, { signal }) {
      yield { value: { Type: 1, Line: 'started\n' } };
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
  });

  it('ends a followed stream whose execution ended here while its node stays silent, saying so', async () => {
    // a node that died mid-stream
    const logs = oneLineThenSilence();
    await withApi({ deps: () => ({ logs }) }, async (api) => {
      const id = await submitted(api);
      const execution = await api.execution(id, { state: 'Running', nodeId: 'n-gone' });
      const streamed = frames(api, `${jobs}/${id}/logs?follow=true`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await api.store.transaction((tx) =>
        tx.updateExecution({
          executionID: execution.ID,
          newValues: { ComputeState: { StateType: 'Failed', Message: 'Failing due to node restart' } },
        }),
      );
      // without the store's word, the stream would stay open until the test times out
      const { frames: got, code } = await streamed;
      expect(got).toEqual([
        { value: { Type: 1, Line: 'started\n' } },
        {
          error: `execution ${execution.ID} ended (Failed: Failing due to node restart) and its node sent nothing more`,
          value: { Type: 0, Line: '' },
        },
      ]);
      expect(code).toBe(1000);
    });
  });

  it('ends a followed stream whose node connected again and then stays silent, saying to follow again', async () => {
    // a daemon's node restarted: its task goes on, but the stream the previous process served is dead
    const logs = oneLineThenSilence();
    await withApi({ deps: () => ({ logs }) }, async (api) => {
      const nodeID = 'n-7d3a1b2c-1111-4222-8333-444455556666';
      const node = await api.node(nodeID);
      const id = await submitted(api);
      const execution = await api.execution(id, { state: 'Running', nodeId: nodeID });
      const streamed = frames(api, `${jobs}/${id}/logs?follow=true`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await node.crash();
      api.clock.advance(1000);
      await node.recover();
      const { frames: got, code } = await streamed;
      expect(got).toEqual([
        { value: { Type: 1, Line: 'started\n' } },
        {
          error:
            `the node n-7d3a1b2c running execution ${execution.ID} connected again ` +
            '(it restarted or lost its connection) and sent nothing more on this stream',
          hint: `follow the logs again: bacalhau job logs --follow ${id}`,
          value: { Type: 0, Line: '' },
        },
      ]);
      expect(code).toBe(1000);
    });
  });

  describe('of an ended execution whose node cannot be reached', () => {
    /** A log source whose node does not answer, as the NATS one says when it is away. */
    const unanswered: ApiLogSource = {
      async *streamLogs(request) {
        await Promise.resolve();
        yield { error: notAnsweringError(request.NodeID) };
      },
    };
    const answeredFrom = async (
      state: 'Completed' | 'Failed',
      output: Partial<RunCommandResult>,
    ): Promise<{ frames: unknown[]; executionID: string }> =>
      withApi({ deps: () => ({ logs: unanswered }) }, async (api) => {
        const id = await submitted(api);
        const nodeId = 'n-2d3a1b2c-1111-4222-8333-444455556666';
        const execution = await api.execution(id, { state: 'Running', nodeId });
        await api.store.transaction((tx) =>
          tx.updateExecution({
            executionID: execution.ID,
            newValues: {
              ComputeState: { StateType: state, Message: '' },
              RunOutput: { ...emptyRunCommandResult(), ...output },
            },
          }),
        );
        return { frames: (await frames(api, `${jobs}/${id}/logs`)).frames, executionID: execution.ID };
      });

    it('answers with the output its result recorded: stdout, then stderr', async () => {
      const { frames: got } = await answeredFrom('Completed', { Stdout: 'one\ntwo\n', stderr: 'warn\n' });
      expect(got).toEqual([
        { value: { Type: 1, Line: 'one\ntwo\n' } },
        { value: { Type: 2, Line: 'warn\n' } },
      ]);
    });

    it('says so after the output when the result kept only part of it', async () => {
      const { frames: got, executionID } = await answeredFrom('Completed', {
        Stdout: 'first lines\n',
        StdoutTruncated: true,
      });
      expect(got).toEqual([
        { value: { Type: 1, Line: 'first lines\n' } },
        {
          error:
            'node n-2d3a1b2c-1111-4222-8333-444455556666 did not answer the log request: is it connected?; above ' +
            `is the output execution ${executionID} reported when it ended, cut to what a result keeps ` +
            '(stdout first, then stderr)',
          hint: 'the whole log is on node n-2d3a1b2c: read it again once the node is back',
          value: { Type: 0, Line: '' },
        },
      ]);
    });

    it('fails as before for an execution that failed without output (its task may not have run)', async () => {
      const { frames: got } = await answeredFrom('Failed', {});
      expect(got).toHaveLength(1);
      expect((got[0] as { error: string }).error).toContain('did not answer the log request');
    });
  });

  it('streams frames {"value":{"Type","Line"}} from the log source of the chosen execution', async () => {
    const requests: ExecutionLogsRequest[] = [];
    const logs: ApiLogSource = {
      async *streamLogs(request) {
        requests.push(request);
        await Promise.resolve();
        yield { value: { Type: 1, Line: 'hello <world>\n' } };
        yield { value: { Type: 2, Line: 'oops\n' } };
      },
    };
    await withApi({ deps: () => ({ logs }) }, async (api) => {
      const id = await submitted(api);
      const old = await api.execution(id, { state: 'Running', nodeId: 'n-old' });
      const latest = await api.execution(id, { state: 'Running', nodeId: 'n-new' });
      await api.execution(id, { state: 'Failed', nodeId: 'n-failed' });
      const { frames: got, code } = await frames(api, `${jobs}/${id}/logs?follow=true&tail=true`);
      expect(got).toEqual([
        { value: { Type: 1, Line: 'hello <world>\n' } },
        { value: { Type: 2, Line: 'oops\n' } },
      ]);
      expect(code).toBe(1000);
      expect(requests[0]).toEqual({ ExecutionID: latest.ID, NodeID: 'n-new', Tail: true, Follow: true });
      await frames(api, `${jobs}/${id}/logs?execution_id=${old.ID}`);
      expect(requests[1]).toEqual({ ExecutionID: old.ID, NodeID: 'n-old', Tail: false, Follow: false });
      const failedJob = await submitted(api, dockerJob({ Name: 'all failed' }));
      const failed = await api.execution(failedJob, { state: 'Failed', nodeId: 'n-failed' });
      await frames(api, `${jobs}/${failedJob}/logs`);
      expect(requests[2]).toMatchObject({ ExecutionID: failed.ID, NodeID: 'n-failed' });
      const stoppedJob = await submitted(api, dockerJob({ Name: 'stopped service' }));
      const cancelled = await api.execution(stoppedJob, { state: 'Cancelled', nodeId: 'n-stopped' });
      await frames(api, `${jobs}/${stoppedJob}/logs`);
      expect(requests[3]).toMatchObject({ ExecutionID: cancelled.ID, NodeID: 'n-stopped' });
      const missing = await frames(api, `${jobs}/${id}/logs?execution_id=e-nope`);
      expect(missing.frames).toEqual([
        {
          error: `failed to open log stream for job ${id}: unable to find execution e-nope in job ${id} and job version 1`,
          value: { Type: 0, Line: '' },
        },
      ]);
      // none requested, and none ran (every bid refused): Go's words would name an empty ID
      const refusedJob = await submitted(api, dockerJob({ Name: 'refused everywhere' }));
      await api.execution(refusedJob, { state: 'BidRejected', nodeId: 'n-refused' });
      const refused = await frames(api, `${jobs}/${refusedJob}/logs`);
      expect(refused.frames).toEqual([
        {
          error: `failed to open log stream for job ${refusedJob}: no execution of job ${refusedJob} ran its task: each was rejected or discarded first`,
          hint: `bacalhau job executions ${refusedJob} says why`,
          value: { Type: 0, Line: '' },
        },
      ]);
      // the last refusal's reason, when its node gave one
      const why = "rejected bid: required environment variable 'OTHER_VAR' not found";
      const explainedJob = await submitted(api, dockerJob({ Name: 'refused with a reason' }));
      await api.execution(explainedJob, { state: 'BidRejected', nodeId: 'n-1', message: 'node busy' });
      await api.execution(explainedJob, { state: 'AskForBidRejected', nodeId: 'n-2', message: why });
      const explained = await frames(api, `${jobs}/${explainedJob}/logs`);
      expect(explained.frames).toMatchObject([
        {
          error:
            `failed to open log stream for job ${explainedJob}: no execution of job ${explainedJob} ran its task: ` +
            `each was rejected or discarded first (the last: ${why})`,
        },
      ]);
    });
  });

  it('pulls lines only as fast as a client reads them: one that stops reading holds up the source, and is not taken for a silent node', async () => {
    const line = 'x'.repeat(64 * 1024 - 1) + '\n';
    const lines = 2048; // 128 MiB in all
    let pulled = 0;
    const logs: ApiLogSource = {
      async *streamLogs() {
        for (; pulled < lines; pulled++) yield { value: { Type: 1, Line: line } };
        await Promise.resolve();
      },
    };
    await withApi({ deps: () => ({ logs }) }, async (api) => {
      const id = await submitted(api);
      await api.execution(id, { state: 'Completed' });
      const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
      // followed, of an execution that ended: the wait for the client must not pass for the node's silence
      const client = new WebSocket(`${address.replace('http', 'ws')}${jobs}/${id}/logs?follow=true`);
      let received = 0;
      let intact = true;
      client.on('message', (data: Buffer) => {
        received += 1;
        intact &&= (JSON.parse(data.toString()) as { value: { Line: string } }).value.Line === line;
      });
      const closed = new Promise((resolve) => client.on('close', resolve));
      await new Promise((resolve) => client.once('open', resolve));
      client.pause();
      // the source stops being pulled once the socket's buffers are full
      let before = -1;
      while (pulled !== before) {
        before = pulled;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(pulled * line.length).toBeLessThan(32 * 1024 * 1024);
      await new Promise((resolve) => setTimeout(resolve, EndedStreamGraceMs));
      client.resume();
      await closed;
      expect(received).toBe(lines);
      expect(intact).toBe(true);
    });
  });

  it('turns an unknown job and a bad parameter into error frames', async () => {
    await withApi({}, async (api) => {
      const unknown = await frames(api, `${jobs}/nope/logs`);
      expect(unknown.frames).toEqual([{ error: 'job not found: nope', value: { Type: 0, Line: '' } }]);
      expect(unknown.code).toBe(1000);
      const bad = await frames(api, `${jobs}/nope/logs?follow=sometimes`);
      expect(bad.frames).toEqual([
        {
          error: `invalid query parameter 'follow': "sometimes" is not a boolean (true or false)`,
          value: { Type: 0, Line: '' },
        },
      ]);
    });
  });

  it('answers a plain HTTP request with 400', async () => {
    await withApi({}, async (api) => {
      const id = await submitted(api);
      expectApiError(await call(api, 'GET', `${jobs}/${id}/logs`), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /WebSocket/,
      });
    });
  });
});
