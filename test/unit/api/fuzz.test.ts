/**
 * Fuzzing every route with random bodies, path IDs and query parameters: a user's mistake is never a
 * 5xx. Every answer is either a 2xx/3xx or an APIError body (`Status`, `Message`, `Code`, `Component`,
 * `RequestID`) whose `Status` is the HTTP status — or, for the version check, its `{Error}` body.
 * Bounded runs; a failure prints the shrunk request.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dockerJob, withApi, type ApiHarness } from './harness.js';

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

interface Template {
  method: Method;
  path: (id: string) => string;
  params: readonly string[];
  body?: boolean;
}

const jobs = '/api/v1/orchestrator/jobs';
const templates: readonly Template[] = [
  { method: 'PUT', path: () => jobs, params: ['namespace'], body: true },
  { method: 'POST', path: () => jobs, params: [], body: true },
  { method: 'PUT', path: () => `${jobs}/diff`, params: [], body: true },
  {
    method: 'GET',
    path: () => jobs,
    params: ['namespace', 'limit', 'next_token', 'order_by', 'reverse', 'labels'],
  },
  // `index` is left out: a valid one makes the request wait (up to 25 s) for the job to change
  {
    method: 'GET',
    path: (id) => `${jobs}/${id}`,
    params: ['namespace', 'include', 'job_version', 'limit', 'wait'],
  },
  { method: 'DELETE', path: (id) => `${jobs}/${id}`, params: ['namespace', 'reason'], body: true },
  { method: 'PUT', path: (id) => `${jobs}/${id}/rerun`, params: ['namespace'], body: true },
  {
    method: 'GET',
    path: (id) => `${jobs}/${id}/history`,
    params: ['limit', 'next_token', 'since', 'event_type', 'execution_id', 'job_version', 'all_job_versions'],
  },
  {
    method: 'GET',
    path: (id) => `${jobs}/${id}/executions`,
    params: ['limit', 'order_by', 'reverse', 'job_version', 'all_job_versions', 'namespace'],
  },
  { method: 'GET', path: (id) => `${jobs}/${id}/versions`, params: ['namespace', 'limit'] },
  { method: 'GET', path: (id) => `${jobs}/${id}/results`, params: ['namespace'] },
  { method: 'GET', path: (id) => `${jobs}/${id}/logs`, params: ['execution_id', 'tail', 'follow'] },
  {
    method: 'GET',
    path: () => '/api/v1/orchestrator/nodes',
    params: ['limit', 'order_by', 'reverse', 'filter-approval', 'filter-status', 'labels'],
  },
  { method: 'GET', path: (id) => `/api/v1/orchestrator/nodes/${id}`, params: [] },
  { method: 'PUT', path: (id) => `/api/v1/orchestrator/nodes/${id}`, params: [], body: true },
  { method: 'GET', path: () => '/api/v1/agent/alive', params: [] },
  { method: 'GET', path: () => '/api/v1/agent/version', params: [] },
  { method: 'GET', path: () => '/api/v1/agent/node', params: [] },
  { method: 'GET', path: () => '/api/v1/agent/config', params: [] },
  { method: 'GET', path: () => '/api/v1/agent/debug', params: [] },
  { method: 'GET', path: () => '/api/v1/auth', params: [] },
  { method: 'GET', path: (id) => `/api/v1/auth/${id}`, params: [] },
  { method: 'GET', path: () => '/api/v1/auth/ClientKey', params: [] },
  { method: 'POST', path: (id) => `/api/v1/auth/${id}`, params: [], body: true },
  { method: 'POST', path: () => '/api/v1/auth/ClientKey', params: [], body: true },
];

/** Values that hit the parsers' edges: numbers out of range, signs, booleans, selectors, tokens. */
const paramValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '',
    '0',
    '1',
    '-1',
    '4294967296',
    '1e3',
    'true',
    'TRUE',
    'yes',
    'created_at',
    'id',
    'modified_at',
  ),
  fc.constantFrom(
    'history,executions',
    'executions',
    'a=b',
    'a in (x,y)',
    '!a',
    'a>3',
    'a=b,,',
    '((',
    'all',
    'job',
  ),
  fc.constantFrom(
    'Y3JlYXRlZF9hdDpOOjE6MQ',
    'OjpOOjA6MQ',
    'Zm9vOk46MTox',
    'OjpZOjQyOTQ5NjcyOTY6MQ',
    'PENDING',
    'approved',
  ),
  fc.integer().map(String),
);

const idValue = (known: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...known),
    fc
      .string({ minLength: 1, maxLength: 30 })
      .filter((s) => !s.includes('/') && !s.includes('?') && !s.includes('#')),
    fc.constantFrom('j-', 'e-', 'n-', 'Docker Job', '%00', 'n-1', 'a'.repeat(300), 'b'.repeat(1500)),
  );

const mutationFields = {
  Type: fc.oneof(
    fc.constantFrom('batch', 'service', 'daemon', 'ops', 'BATCH', ''),
    fc.string(),
    fc.integer(),
  ),
  Count: fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double(), fc.string(), fc.constant(null)),
  Name: fc.oneof(fc.string({ maxLength: 12 }), fc.constant('Docker Job'), fc.integer()),
  Namespace: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)),
  Priority: fc.oneof(fc.integer(), fc.double()),
  Labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })), fc.jsonValue()),
  Constraints: fc.oneof(
    fc.array(
      fc.record({
        Key: fc.string({ maxLength: 6 }),
        Operator: fc.constantFrom('=', 'in', 'gt', '!', 'x'),
        Values: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      }),
      { maxLength: 2 },
    ),
    fc.jsonValue(),
  ),
  Tasks: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(dockerJob()['Tasks'] as unknown[])),
  State: fc.jsonValue({ maxDepth: 2 }),
  ID: fc.string({ maxLength: 10 }),
};
const jobMutation = fc.record(mutationFields, { requiredKeys: [] });
/** One field changed: mostly valid jobs, so the success paths (create, update, conflicts) run too. */
const singleMutation = fc.oneof(
  ...Object.entries(mutationFields).map(([key, arb]) =>
    (arb as fc.Arbitrary<unknown>).map((v) => ({ [key]: v })),
  ),
  fc.string({ maxLength: 8 }).map((Name) => ({ Name })),
);

const bodyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  jobMutation.map((m) => ({ Job: { ...dockerJob(), ...m } })),
  singleMutation.map((m) => ({ Job: { ...dockerJob(), ...m } })),
  singleMutation.map((m) => ({ Job: { ...dockerJob(), ...m }, Force: true })),
  jobMutation.map((m) => ({ job: { ...dockerJob(), ...m }, force: true })),
  fc.record(
    { Job: fc.jsonValue({ maxDepth: 3 }), Force: fc.jsonValue({ maxDepth: 1 }) },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      reason: fc.jsonValue({ maxDepth: 1 }),
      JobVersion: fc.jsonValue({ maxDepth: 1 }),
      Reason: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      Action: fc.oneof(
        fc.constantFrom('approve', 'reject', 'delete', 'APPROVE', ''),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      NodeID: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      Name: fc.jsonValue({ maxDepth: 1 }),
      MethodData: fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.jsonValue({ maxDepth: 1 }),
        fc
          .record({
            PhraseSignature: fc.jsonValue({ maxDepth: 1 }),
            PublicKey: fc.jsonValue({ maxDepth: 1 }),
          })
          .map((answer) => Buffer.from(JSON.stringify(answer)).toString('base64')),
        fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('base64')),
      ),
    },
    { requiredKeys: [] },
  ),
);

function check(res: { statusCode: number; body: string }, request: string): void {
  if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${request}: ${res.body}`);
  if (res.statusCode < 400) return;
  const body = JSON.parse(res.body) as Record<string, unknown>;
  if ('Error' in body) return; // the version check's own body
  if (res.statusCode === 401 && 'Authentication' in body) {
    // A refused login answers with its AuthnResponse, as Go's auth endpoint does.
    const authentication = body['Authentication'] as Record<string, unknown>;
    expect(authentication['success'], request).toBe(false);
    expect(typeof authentication['reason'], request).toBe('string');
    return;
  }
  expect(body['Status'], request).toBe(res.statusCode);
  expect(typeof body['Message'], request).toBe('string');
  expect(typeof body['Code'], request).toBe('string');
  expect(typeof body['Component'], request).toBe('string');
  expect(typeof body['RequestID'], request).toBe('string');
}

async function setup(api: ApiHarness): Promise<string[]> {
  const first = await api.submit();
  const second = await api.submit(dockerJob({ Name: 'other', Labels: { env: 'prod' } }));
  await api.execution(first, {
    state: 'Completed',
    published: { Type: 'local', Params: { URL: 'http://x/a?b=1&c=2' } },
  });
  await api.node('n-11111111-aaaa-4aaa-8aaa-000000000001', { labels: { zone: 'a' } });
  return [
    first,
    second,
    first.slice(0, 10),
    'Docker Job',
    'n-11111111-aaaa-4aaa-8aaa-000000000001',
    'n-1111',
  ];
}

/** The fuzzers send far more than Go's 1000 requests per second; the rate limit has its own tests. */
const unlimited = { server: { rateLimitPerSecond: Number.MAX_SAFE_INTEGER } };

describe('fuzz: no route answers 5xx', () => {
  it('random params, ids and bodies on every route', async () => {
    await withApi(unlimited, async (api) => {
      const known = await setup(api);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...templates),
          idValue(known),
          fc.array(fc.tuple(fc.nat(), paramValue), { maxLength: 5 }),
          fc.option(bodyValue, { nil: undefined }),
          async (template, id, params, body) => {
            const query = new URLSearchParams();
            for (const [i, value] of params) {
              const name =
                template.params.length === 0 ? 'x' : (template.params[i % template.params.length] ?? 'x');
              query.append(name, value);
            }
            const url = `${template.path(encodeURIComponent(id))}${query.size > 0 ? `?${query.toString()}` : ''}`;
            const res = await api.app.inject({
              method: template.method,
              url,
              ...(template.body === true && body !== undefined
                ? { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
                : {}),
            });
            check(res, `${template.method} ${url} ${JSON.stringify(body)?.slice(0, 300) ?? ''}`);
          },
        ),
        { numRuns: 1500 },
      );
    });
  }, 120_000);

  it('raw paths: stray percent signs, unknown segments', async () => {
    await withApi(unlimited, async (api) => {
      await setup(api);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'PUT', 'POST', 'DELETE') as fc.Arbitrary<Method>,
          fc.constantFrom('/api/v1/orchestrator/jobs/', '/api/v1/orchestrator/nodes/', '/api/v1/agent/', '/'),
          fc.stringMatching(/^[%A-Za-z0-9._~\-/]{0,40}$/),
          async (method, prefix, rest) => {
            const url = `${prefix}${rest}`;
            const res = await api.app.inject({ method, url });
            check(res, `${method} ${url}`);
          },
        ),
        { numRuns: 500 },
      );
    });
  }, 120_000);

  it('raw bodies that are not JSON, or JSON of every shape', async () => {
    await withApi(unlimited, async (api) => {
      const known = await setup(api);
      const writes = templates.filter((t) => t.body === true);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...writes),
          fc.constantFrom(...known),
          fc.oneof(
            fc.string({ maxLength: 50 }),
            fc.json({ maxDepth: 4 }),
            fc.constantFrom(
              '',
              ' ',
              'null',
              '[]',
              '{"Job":null}',
              '{"__proto__":{"x":1}}',
              '{"Job":{"Tasks":[null]}}',
            ),
          ),
          fc.constantFrom(
            'application/json',
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=utf-8',
          ),
          async (template, id, payload, contentType) => {
            const url = template.path(encodeURIComponent(id));
            const res = await api.app.inject({
              method: template.method,
              url,
              payload,
              headers: { 'content-type': contentType },
            });
            check(res, `${template.method} ${url} ${contentType} ${payload.slice(0, 200)}`);
          },
        ),
        { numRuns: 800 },
      );
    });
  }, 120_000);
});
