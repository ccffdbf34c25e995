/**
 * Go's middleware (reference 6): request IDs, CORS, body limit, version check and headers, redirects,
 * content type, `pretty`, unknown routes, 500s without internals, a compute-only server, the OpenAPI
 * document.
 */
import { describe, expect, it } from 'vitest';
import { createApiServer, openApiDocument } from '../../../src/api/server/index.js';
import type { ApiJobReader } from '../../../src/api/server/types.js';
import { selfNodeInfo } from '../../../src/orchestrator/nodes/testing.js';
import {
  at,
  call,
  dockerJob,
  expectApiError,
  keys,
  serverBuildInfo,
  str,
  testConfig,
  withApi,
  type W,
} from './harness.js';

describe('request IDs', () => {
  it('echoes X-Request-Id, generates one otherwise, and puts it in error bodies', async () => {
    await withApi({}, async (api) => {
      const given = await call(api, 'GET', '/api/v1/agent/alive', undefined, { 'X-Request-Id': 'req-42' });
      expect(given.headers['x-request-id']).toBe('req-42');
      const generated = await call(api, 'GET', '/api/v1/agent/alive');
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const error = await call(api, 'GET', '/api/v1/orchestrator/jobs/nope', undefined, {
        'X-Request-Id': 'req-43',
      });
      expect(error.body.RequestID).toBe('req-43');
      const weird = await call(api, 'GET', '/api/v1/agent/alive', undefined, { 'X-Request-Id': 'has space' });
      expect(weird.headers['x-request-id']).not.toBe('has space');
    });
  });
});

describe('CORS', () => {
  it('allows every origin, with preflights', async () => {
    await withApi({}, async (api) => {
      const simple = await call(api, 'GET', '/api/v1/agent/alive', undefined, {
        Origin: 'http://ui.example',
      });
      expect(simple.headers['access-control-allow-origin']).toBe('*');
      const preflight = await call(api, 'OPTIONS', '/api/v1/orchestrator/jobs', undefined, {
        Origin: 'http://ui.example',
        'Access-Control-Request-Method': 'PUT',
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(String(preflight.headers['access-control-allow-methods'])).toContain('PUT');
      expect(String(preflight.headers['access-control-allow-methods'])).toContain('DELETE');
    });
  });

  it("varies every answer by Origin, and allows no origin to a request that names none, as echo's", async () => {
    await withApi({}, async (api) => {
      const plain = await call(api, 'GET', '/api/v1/agent/alive');
      expect(plain.status).toBe(200);
      expect(plain.headers['access-control-allow-origin']).toBeUndefined();
      expect(plain.headers['vary']).toBe('Origin');
      const browser = await call(api, 'GET', '/api/v1/agent/alive', undefined, {
        Origin: 'http://ui.example',
      });
      expect(browser.headers['vary']).toBe('Origin');
      const preflight = await call(api, 'OPTIONS', '/api/v1/orchestrator/jobs');
      expect(preflight.status).toBe(204);
    });
  });
});

describe('body limit', () => {
  it('refuses bodies over 10 MiB with 413', async () => {
    await withApi({}, async (api) => {
      const big = JSON.stringify({ Job: dockerJob({ Meta: { big: 'x'.repeat(10 * 1024 * 1024) } }) });
      const res = await call(api, 'PUT', '/api/v1/orchestrator/jobs', big);
      expectApiError(res, {
        status: 413,
        code: 'InternalError',
        component: 'APIServer',
        message: 'Request Entity Too Large',
      });
      const fits = JSON.stringify({ Job: dockerJob({ Meta: { big: 'x'.repeat(1024 * 1024) } }) });
      expect((await call(api, 'PUT', '/api/v1/orchestrator/jobs', fits)).status).toBe(200);
    });
  });

  it('honours a configured limit', async () => {
    await withApi({ server: { bodyLimitBytes: 100 } }, async (api) => {
      expect((await call(api, 'PUT', '/api/v1/orchestrator/jobs', { Job: dockerJob() })).status).toBe(413);
    });
  });
});

describe('version check and headers', () => {
  it('sets the server version headers on every answer', async () => {
    await withApi({}, async (api) => {
      for (const url of ['/api/v1/agent/alive', '/nope']) {
        const res = await call(api, 'GET', url);
        expect(res.headers['x-bacalhau-git-version']).toBe('v1.9.0');
        expect(res.headers['x-bacalhau-git-commit']).toBe('abc123');
        expect(res.headers['x-bacalhau-build-date']).toBe('2024-08-19 20:40:00 +0000 UTC');
        expect(res.headers['x-bacalhau-build-os']).toBe('linux');
        expect(res.headers['x-bacalhau-arch']).toBe('amd64');
      }
    });
  });

  it('refuses outdated (403) and unparsable (400) client versions, lets others through', async () => {
    await withApi({}, async (api) => {
      const old = await call(api, 'GET', '/api/v1/agent/alive', undefined, {
        'X-Bacalhau-Git-Version': 'v1.3.2+build.7',
      });
      expect(old.status).toBe(403);
      expect(old.body).toEqual({
        Error: 'Client version is outdated. Update your client',
        MinVersion: '1.4.0',
        ClientVersion: '1.3.2+build.7',
        ServerVersion: '1.9.0',
      });
      const bad = await call(api, 'GET', '/api/v1/agent/alive', undefined, {
        'X-Bacalhau-Git-Version': 'latest',
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ Error: 'Invalid client version latest' });
      for (const version of ['v1.4.0', 'v1.7.3', '1.5', 'v0.0.0', 'v0.0.0-xxxxxxx', '']) {
        const ok = await call(api, 'GET', '/api/v1/agent/alive', undefined, {
          'X-Bacalhau-Git-Version': version,
        });
        expect(ok.status, version).toBe(200);
      }
      const pre = await call(api, 'GET', '/api/v1/agent/alive', undefined, {
        'X-Bacalhau-Git-Version': 'v1.4.0-rc1',
      });
      expect(pre.status).toBe(403);
    });
  });
});

describe('routing', () => {
  it('redirects /, /version and /livez with 301', async () => {
    await withApi({}, async (api) => {
      for (const [from, to] of [
        ['/', '/api/v1/agent/version'],
        ['/version', '/api/v1/agent/version'],
        ['/livez', '/api/v1/agent/alive'],
      ] as const) {
        const res = await call(api, 'GET', from);
        expect(res.status, from).toBe(301);
        expect(res.headers['location']).toBe(to);
      }
    });
  });

  it('answers unknown routes with Go\u2019s 404 body', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v2/whatever');
      expectApiError(res, {
        status: 404,
        code: 'NotFound',
        component: 'APIServer',
        message: 'The requested resource/URL was not found.',
      });
      expect(res.body.Hint).toBe(
        'The server version may be older than this CLI version and does not support the endpoint yet.',
      );
      expect(keys(res.body.Details)).toEqual(['cli_usage']);
    });
  });

  it("answers a known path with another method as Go does: 404, its route groups' catch-all", async () => {
    await withApi({}, async (api) => {
      const wrongMethods = [
        ['PATCH', '/api/v1/orchestrator/jobs?limit=1'],
        ['POST', '/api/v1/orchestrator/nodes/n-1'],
        ['DELETE', '/api/v1/agent/alive'],
        ['PUT', '/api/v1/auth'],
      ] as const;
      for (const [method, path] of wrongMethods) {
        const res = await call(api, method as 'PUT', path);
        expectApiError(res, {
          status: 404,
          code: 'NotFound',
          component: 'APIServer',
          message: 'The requested resource/URL was not found.',
        });
        expect(res.headers['allow']).toBeUndefined();
      }
    });
  });

  it('answers JSON as application/json, Go-escaped, indented with ?pretty', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v1/agent/alive?pretty');
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.text).toBe('{\n  "Status": "OK"\n}\n');
      const id = await api.submit(dockerJob({ Name: '<b>&' }));
      const job = await call(api, 'GET', `/api/v1/orchestrator/jobs/${id}`);
      expect(job.text).toContain('"Name":"\\u003cb\\u003e\\u0026"');
      expect(job.body.Job.Name).toBe('<b>&');
    });
  });

  it('answers malformed and over-long paths with APIErrors', async () => {
    await withApi({}, async (api) => {
      expectApiError(await call(api, 'GET', `/api/v1/orchestrator/jobs/${'x'.repeat(2000)}`), {
        status: 414,
        code: 'InternalError',
        component: 'APIServer',
        message: 'a path parameter is longer than the server accepts (1024 characters)',
      });
      expectApiError(await call(api, 'GET', '/api/v1/orchestrator/jobs/%E0%A4%A'), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: 'the URL path is not validly percent-encoded',
      });
    });
  });

  it('HEAD answers without a body', async () => {
    await withApi({}, async (api) => {
      const ok = await api.app.inject({ method: 'HEAD', url: '/api/v1/agent/alive' });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toBe('');
    });
  });
});

describe('unexpected errors', () => {
  it('are a 500 "Internal server error" without internals, reported to onUnexpectedError', async () => {
    const seen: unknown[] = [];
    const broken: ApiJobReader = {
      getJobByIDOrName: () => Promise.reject(new TypeError('secret internal detail')),
      getJobVersion: () => Promise.reject(new Error('x')),
      getJobVersions: () => Promise.reject(new Error('x')),
      listJobs: () => Promise.reject(new Error('x')),
      listExecutions: () => Promise.reject(new Error('x')),
      getJobHistory: () => Promise.reject(new Error('x')),
      onChange: () => () => undefined,
    };
    await withApi(
      { deps: () => ({ jobs: broken }), server: { onUnexpectedError: (err) => seen.push(err) } },
      async (api) => {
        const res = await call(api, 'GET', '/api/v1/orchestrator/jobs/anything');
        expectApiError(res, {
          status: 500,
          code: 'InternalError',
          component: 'Unknown',
          message: 'Internal server error',
        });
        expect(res.text).not.toContain('secret');
        expect(seen).toHaveLength(1);
      },
    );
  });
});

describe('a compute-only server', () => {
  it('serves the agent routes and answers 404 for the orchestrator\u2019s', async () => {
    const server = await createApiServer({
      agent: { nodeInfo: () => selfNodeInfo('n-compute'), config: testConfig(), buildInfo: serverBuildInfo },
    });
    try {
      expect((await call(server, 'GET', '/api/v1/agent/alive')).status).toBe(200);
      const jobs = await call(server, 'GET', '/api/v1/orchestrator/jobs');
      expect(jobs.status).toBe(404);
      expect(jobs.body.Message).toBe('The requested resource/URL was not found.');
      // the client was pointed at the wrong node, not at an old server
      expect(jobs.body.Hint).toBe(
        'This node runs no orchestrator (a compute-only node): point the client at the orchestrator ' +
          "node's API, with --api-host and --api-port or -c API.Host=… -c API.Port=….",
      );
      // Go binds /api/v1/auth on orchestrators only.
      expect((await call(server, 'GET', '/api/v1/auth')).status).toBe(404);
    } finally {
      await server.close();
      await server.close(); // idempotent
    }
  });
});

describe('OpenAPI document', () => {
  it('is served at /api/v1/openapi.json and describes every route with resolvable schemas', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v1/openapi.json');
      expect(res.status).toBe(200);
      const doc = res.body;
      expect(doc.openapi).toBe('3.0.3');
      const operations: string[] = [];
      for (const [path, item] of Object.entries(doc.paths as unknown as Record<string, Record<string, W>>)) {
        for (const [method, op] of Object.entries(item))
          operations.push(`${method.toUpperCase()} ${path} ${str(op.operationId)}`);
      }
      expect(operations.sort()).toEqual(
        [
          'DELETE /api/v1/orchestrator/jobs/{id} orchestrator/stopJob',
          'GET /api/v1/agent/alive agent/alive',
          'GET /api/v1/agent/authconfig agent/authconfig',
          'GET /api/v1/agent/config agent/config',
          'GET /api/v1/agent/debug agent/debug',
          'GET /api/v1/agent/node agent/node',
          'GET /api/v1/agent/version agent/version',
          'GET /api/v1/auth auth/listMethods',
          'GET /api/v1/auth/{id} auth/getMethod',
          'POST /api/v1/auth/{id} auth/authenticate',
          'GET /api/v1/orchestrator/jobs orchestrator/listJobs',
          'GET /api/v1/orchestrator/jobs/{id} orchestrator/getJob',
          'GET /api/v1/orchestrator/jobs/{id}/executions orchestrator/jobExecutions',
          'GET /api/v1/orchestrator/jobs/{id}/history orchestrator/listHistory',
          'GET /api/v1/orchestrator/jobs/{id}/logs orchestrator/logs',
          'GET /api/v1/orchestrator/jobs/{id}/results orchestrator/jobResults',
          'GET /api/v1/orchestrator/jobs/{id}/versions orchestrator/jobVersions',
          'GET /api/v1/orchestrator/nodes orchestrator/listNodes',
          'GET /api/v1/orchestrator/nodes/{id} orchestrator/getNode',
          'POST /api/v1/orchestrator/jobs orchestrator/postJob',
          'PUT /api/v1/orchestrator/jobs orchestrator/putJob',
          'PUT /api/v1/orchestrator/jobs/diff orchestrator/diffJob',
          'PUT /api/v1/orchestrator/jobs/{id}/rerun orchestrator/rerunJob',
          'PUT /api/v1/orchestrator/nodes/{id} orchestrator/updateNode',
        ].sort(),
      );
      // Every $ref resolves.
      const schemas = doc.components.schemas as unknown as Record<string, unknown>;
      const refs = res.text.match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
      for (const ref of refs) expect(schemas[ref.slice(22, -1)], ref).toBeDefined();
      // Enums are typed as they travel.
      expect(schemas['State_JobStateType']).toMatchObject({ properties: { StateType: { type: 'string' } } });
      expect(schemas['State_ExecutionStateType']).toMatchObject({
        properties: { StateType: { type: 'integer' } },
      });
      // Parameters come from the route schemas.
      const list = at(doc.paths, '/api/v1/orchestrator/jobs').get;
      const names = (list.parameters as unknown as { name: string }[]).map((p) => p.name);
      expect(names).toEqual(['namespace', 'limit', 'next_token', 'reverse', 'order_by', 'labels', 'pretty']);
      const put = at(doc.paths, '/api/v1/orchestrator/jobs').put;
      expect(at(put.requestBody.content, 'application/json').schema).toEqual({
        $ref: '#/components/schemas/PutJobRequest',
      });
      // A failed authentication answers 401 with its AuthnResponse; open paths have no 401.
      const authenticate = at(doc.paths, '/api/v1/auth/{id}').post;
      expect(at(authenticate, 'responses', '401', 'content', 'application/json').schema).toEqual({
        $ref: '#/components/schemas/AuthnResponse',
      });
      expect(keys(at(doc.paths, '/api/v1/agent/alive').get.responses)).not.toContain('401');
      expect(keys(at(doc.paths, '/api/v1/orchestrator/jobs').get.responses)).toEqual(
        expect.arrayContaining(['401', '403', '429', '503']),
      );
      expect(schemas['AuthnRequest']).toMatchObject({
        properties: { MethodData: { type: 'string', format: 'byte' } },
      });
      // The same document without a server.
      expect(JSON.parse(JSON.stringify(openApiDocument(serverBuildInfo)))).toEqual(doc);
      expect(schemas['PutJobRequest']).toMatchObject({
        properties: { Job: { $ref: '#/components/schemas/Job' } },
      });
    });
  });
});

describe('closing', () => {
  it("answers a request that arrives while the server closes with a 503 APIError, not Fastify's body", async () => {
    await withApi({}, async (api) => {
      const closed = api.server.close();
      const res = await api.app.inject({ method: 'GET', url: '/api/v1/agent/alive' });
      await closed;
      expect(res.statusCode).toBe(503);
      expect(res.headers['connection']).toBe('close');
      expect(JSON.parse(res.body)).toEqual({
        Status: 503,
        Message: 'the node is shutting down',
        RequestID: res.headers['x-request-id'],
        Code: 'ServiceUnavailable',
        Component: 'APIServer',
        Hint: 'try again once it is back up',
      });
    });
  });
});
