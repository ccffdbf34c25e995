/** The REST client against the server listening on 127.0.0.1 (port 0), over real HTTP and WebSocket. */
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BacalhauClient,
  basicAuthorization,
  challengeInputPhrase,
  encodeChallengeResponse,
  isCutShort,
  type ClientOptions,
  type WebSocketFactory,
} from '../../../src/api/client/index.js';
import { nodeTransportOptions } from '../../../src/api/client/node/tls.js';
import { ManualClock } from '../../../src/lib/clock.js';
import type { ApiLogSource } from '../../../src/api/server/types.js';
import { BacalhauError } from '../../../src/models/bacerrors.js';
import {
  dockerJob,
  OrchestratorID,
  serverBuildInfo,
  withApi,
  type ApiHarness,
  type TestConfig,
} from './harness.js';

const wsFactory: WebSocketFactory = (url, headers) => new WebSocket(url, { headers });

async function withClient<T>(
  options: Parameters<typeof withApi>[0],
  clientOptions: Partial<ClientOptions>,
  fn: (client: BacalhauClient, api: ApiHarness, baseUrl: string) => Promise<T>,
): Promise<T> {
  return withApi({ ...options, server: { ...options.server, host: '127.0.0.1', port: 0 } }, async (api) => {
    const baseUrl = await api.server.listen();
    const client = new BacalhauClient({ baseUrl, webSocket: wsFactory, ...clientOptions });
    return fn(client, api, baseUrl);
  });
}

/** A bare WebSocket server on 127.0.0.1 that hands every connection to `onConnection`. */
async function withRawWebSocketServer<T>(
  onConnection: (socket: WebSocket) => void,
  fn: (baseUrl: string) => Promise<T>,
): Promise<T> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', onConnection);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  try {
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

async function rejection(promise: Promise<unknown>): Promise<BacalhauError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BacalhauError);
    return err as BacalhauError;
  }
  throw new Error('expected a rejection');
}

describe('BacalhauClient', () => {
  it('agent: alive, version, node, config, debug, authConfig', async () => {
    await withClient({}, {}, async (client) => {
      expect(await client.agent.alive()).toEqual({ Status: 'OK' });
      expect(await client.agent.version()).toEqual(serverBuildInfo);
      expect((await client.agent.node()).NodeType).toBe('Requester');
      const { config } = await client.agent.config();
      expect((config['Compute'] as { Auth: { Token: string } }).Auth.Token).toBe('********');
      expect(await client.agent.debug()).toEqual({ ActiveJobs: [], NodeManager: { nodes: 0 } });
      expect(await client.agent.authConfig()).toEqual({ Version: '1.0.0', Config: {} });
    });
  });

  it('jobs: put, get with includes, diff, list pages, versions, executions, results, stop, rerun', async () => {
    await withClient({}, {}, async (client, api) => {
      const put = await client.jobs.put({ job: dockerJob() });
      expect(put.Warnings).toBeNull();
      expect(put.JobID).toMatch(/^j-/);
      const got = await client.jobs.get({ idOrName: 'Docker Job', include: ['history', 'executions'] });
      expect(got.Job.ID).toBe(put.JobID);
      expect(got.Job.State.StateType).toBe('Pending');
      expect(got.History?.Items.map((h) => h.Event.Message)).toEqual(['Job submitted']);
      expect(got.Executions?.Items).toEqual([]);
      // a blocking read of a job past the Revision asked for answers at once
      const blocking = await client.jobs.get({ idOrName: put.JobID, afterRevision: 0, wait: '10s' });
      expect(blocking.Job.Revision).toBe(1);

      expect((await client.jobs.diff({ job: dockerJob({ Count: 2 }) })).Diff).toContain('Count');

      for (let i = 0; i < 3; i++)
        await client.jobs.put({ job: dockerJob({ Name: `n${i}`, Labels: { i: String(i) } }) });
      const seen: string[] = [];
      let token = '';
      for (let pages = 0; pages < 10; pages++) {
        const page = await client.jobs.list({ limit: 3, nextToken: token });
        seen.push(...page.Items.map((j) => j.Name));
        if (page.NextToken === '') break;
        token = page.NextToken;
      }
      expect(seen).toEqual(['Docker Job', 'n0', 'n1', 'n2']);
      expect((await client.jobs.list({ labels: ['i in (0,2)'] })).Items.map((j) => j.Name)).toEqual([
        'n0',
        'n2',
      ]);

      await api.execution(put.JobID, {
        state: 'Completed',
        published: { Type: 'urlDownload', Params: { URL: 'http://x/?a=1&b=2' } },
      });
      const executions = await client.jobs.executions({ idOrName: put.JobID });
      expect(executions.Items[0]?.ComputeState.StateType).toBe('Completed');
      expect(executions.Items[0]?.DesiredState.StateType).toBe('Stopped');
      expect((await client.jobs.results({ idOrName: put.JobID })).Items).toEqual([
        { Type: 'urlDownload', Params: { URL: 'http://x/?a=1&b=2' } },
      ]);
      expect((await client.jobs.versions({ idOrName: put.JobID })).Items.map((j) => j.Version)).toEqual([1]);

      const stop = await client.jobs.stop({ idOrName: 'n0', reason: 'bye' });
      expect(stop.EvaluationID).not.toBe('');
      expect((await client.jobs.get({ idOrName: 'n0' })).Job.State).toEqual({
        StateType: 'Stopped',
        Message: 'bye',
      });
      const rerun = await client.jobs.rerun({ idOrName: 'n0', reason: 'again' });
      expect(rerun).toMatchObject({ JobVersion: 2, Warnings: null });
    });
  });

  it('refuses a job named "." or "..", which a URL would turn into another resource', async () => {
    await withClient({}, {}, async (client) => {
      // a job named "history": `jobs/./history` is read as `jobs/history`, this job
      await client.jobs.put({ job: dockerJob({ Name: 'history' }) });
      await client.jobs.put({ job: dockerJob({ Name: '.' }) });
      for (const name of ['.', '..']) {
        const calls = [
          () => client.jobs.get({ idOrName: name }),
          () => client.jobs.history({ idOrName: name }),
          () => client.jobs.executions({ idOrName: name }),
          () => client.jobs.stop({ idOrName: name }),
        ];
        for (const call of calls) {
          const err = await rejection((async () => call())());
          expect(err.message).toBe(
            `cannot ask for "${name}" by name: a URL reads "${name}" as a step between folders, so the request would reach another resource`,
          );
          expect(err.hint).toBe('Use its ID instead (job list shows the IDs of jobs)');
        }
      }
      // names that merely hold dots travel as they are
      await client.jobs.put({ job: dockerJob({ Name: '.a..' }) });
      expect((await client.jobs.get({ idOrName: '.a..' })).Job.Name).toBe('.a..');
    });
  });

  it('follows the history cursor until the job is terminal', async () => {
    await withClient({}, {}, async (client) => {
      const { JobID } = await client.jobs.put({ job: dockerJob() });
      const first = await client.jobs.history({ idOrName: JobID });
      expect(first.Items).toHaveLength(1);
      expect(first.NextToken).not.toBe('');
      await client.jobs.stop({ idOrName: JobID });
      const second = await client.jobs.history({ idOrName: JobID, nextToken: first.NextToken });
      expect(second.Items.map((h) => h.Event.Message)).toEqual(['Job requested to stop before completion']);
      expect(second.NextToken).toBe('');
    });
  });

  it('nodes: list with filters, get, approve, reject, delete', async () => {
    await withClient({ manualApproval: true }, {}, async (client, api) => {
      await api.node('n-aaaaaaaa-0000-4000-8000-000000000001', { labels: { zone: 'eu' } });
      await api.node('n-bbbbbbbb-0000-4000-8000-000000000002');
      const pending = await client.nodes.list({ filterApproval: 'PENDING', orderBy: 'id', reverse: true });
      expect(pending.Nodes.map((n) => n.Info.NodeID)).toEqual([
        'n-bbbbbbbb-0000-4000-8000-000000000002',
        'n-aaaaaaaa-0000-4000-8000-000000000001',
      ]);
      expect(await client.nodes.approve('n-aaa')).toEqual({ Success: true });
      expect((await client.nodes.get('n-aaa')).Node.Membership).toBe('APPROVED');
      expect(await client.nodes.reject('n-bbb')).toEqual({ Success: true });
      expect((await client.nodes.list({ labels: ['zone=eu'] })).Nodes).toHaveLength(1);
      expect(await client.nodes.delete('n-bbb')).toEqual({ Success: true });
      const gone = await rejection(client.nodes.get('n-bbb'));
      expect(gone.code).toBe('NotFound');
      const again = await rejection(client.nodes.approve('n-aaa'));
      expect(again.httpStatus).toBe(409);
      expect(again.code).toBe('ConflictNodeState');
    });
  });

  it('throws BacalhauErrors built from the error body', async () => {
    await withClient({}, {}, async (client) => {
      const notFound = await rejection(client.jobs.get({ idOrName: 'nope' }));
      expect(notFound.message).toBe('job not found: nope');
      expect(notFound.code).toBe('NotFound');
      expect(notFound.component).toBe('JobStore');
      expect(notFound.httpStatus).toBe(404);
      expect(notFound.details['request_id']).toMatch(/^[0-9a-f-]{36}$/);
      const invalid = await rejection(client.jobs.put({ job: { Type: 'batch' } }));
      expect(invalid.httpStatus).toBe(400);
      expect(invalid.message).toBe('missing job tasks');
      await client.jobs.put({ job: dockerJob() });
      const same = await rejection(client.jobs.put({ job: dockerJob() }));
      expect(same.code).toBe('ResourceInUse');
      expect(same.hint).toBe('Use the --force flag to override this warning');
      expect((await client.jobs.put({ job: dockerJob(), force: true })).JobID).toMatch(/^j-/);
    });
  });

  it('streams logs over WebSocket and throws error frames', async () => {
    const logs: ApiLogSource = {
      async *streamLogs() {
        await Promise.resolve();
        yield { value: { Type: 1, Line: 'line 1\n' } };
        yield { value: { Type: 2, Line: 'line 2\n' } };
      },
    };
    await withClient({ deps: () => ({ logs }) }, {}, async (client, api) => {
      const { JobID } = await client.jobs.put({ job: dockerJob() });
      const empty = await rejection(
        (async () => {
          for await (const _ of client.jobs.logs({ idOrName: JobID })) void _;
        })(),
      );
      expect(empty.message).toMatch(/no executions found for job Docker Job/);
      await api.execution(JobID, { state: 'Running' });
      const lines = [];
      for await (const line of client.jobs.logs({ idOrName: JobID, follow: true })) lines.push(line);
      expect(lines).toEqual([
        { Type: 1, Line: 'line 1\n' },
        { Type: 2, Line: 'line 2\n' },
      ]);
    });
  });

  it('throws when a followed log stream is cut short: the node stopping (1001) or dying (1006)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const logs: ApiLogSource = {
      async *streamLogs(_request, { signal }) {
        yield { value: { Type: 1, Line: 'tick1\n' } };
        signal.addEventListener('abort', () => release());
        await gate;
      },
    };
    await withClient({ deps: () => ({ logs }) }, {}, async (client, api) => {
      const { JobID } = await client.jobs.put({ job: dockerJob() });
      await api.execution(JobID, { state: 'Running' });
      const lines: string[] = [];
      const stopped = await rejection(
        (async () => {
          for await (const line of client.jobs.logs({ idOrName: JobID, follow: true })) {
            lines.push(line.Line);
            void api.server.close();
          }
        })(),
      );
      expect(lines).toEqual(['tick1\n']);
      expect(stopped.message).toBe(
        'the server closed the log stream before it ended (close 1001 (going away): the node is shutting down)',
      );
      expect(isCutShort(stopped)).toBe(true);
    });
    const died = await withRawWebSocketServer(
      (socket) => {
        socket.send(JSON.stringify({ value: { Type: 1, Line: 'tick1\n' } }));
        socket.terminate(); // no close frame, as when the process dies
      },
      async (baseUrl) => {
        const client = new BacalhauClient({ baseUrl, webSocket: wsFactory });
        const lines: string[] = [];
        const err = await rejection(
          (async () => {
            for await (const line of client.jobs.logs({ idOrName: 'j-1', follow: true }))
              lines.push(line.Line);
          })(),
        );
        expect(lines).toEqual(['tick1\n']);
        return err;
      },
    );
    expect(died.message).toBe(
      'the log stream ended before the server finished it (close 1006 (abnormal closure))',
    );
    expect(isCutShort(died)).toBe(true);
  });

  it('stops reading a log stream while its reader lags, so the server is held up instead', async () => {
    const line = 'x'.repeat(64 * 1024 - 1) + '\n';
    const lines = 2048; // 128 MiB
    let server: WebSocket | undefined;
    const read = await withRawWebSocketServer(
      (socket) => {
        server = socket;
        for (let i = 0; i < lines; i++) socket.send(JSON.stringify({ value: { Type: 1, Line: line } }));
        socket.close(1000);
      },
      async (baseUrl) => {
        const client = new BacalhauClient({ baseUrl, webSocket: wsFactory });
        const stream = client.jobs.logs({ idOrName: 'j-1' })[Symbol.asyncIterator]();
        let count = (await stream.next()).done === true ? 0 : 1;
        // the reader takes a break: the client stops reading, and the rest waits on the server's side
        let before = -1;
        while (server?.bufferedAmount !== before) {
          before = server?.bufferedAmount ?? 0;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        expect(before).toBeGreaterThan(64 * 1024 * 1024);
        while ((await stream.next()).done !== true) count += 1;
        return count;
      },
    );
    expect(read).toBe(lines);
  });

  it('ends a log stream quietly on a normal closure (1000)', async () => {
    const lines = await withRawWebSocketServer(
      (socket) => {
        socket.send(JSON.stringify({ value: { Type: 1, Line: 'done\n' } }));
        socket.close(1000);
      },
      async (baseUrl) => {
        const client = new BacalhauClient({ baseUrl, webSocket: wsFactory });
        const read: string[] = [];
        for await (const line of client.jobs.logs({ idOrName: 'j-1', follow: true })) read.push(line.Line);
        return read;
      },
    );
    expect(lines).toEqual(['done\n']);
  });

  it('keeps a log stream open past the handler timeout (WebSockets are not limited)', async () => {
    const clock = new ManualClock();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const logs: ApiLogSource = {
      async *streamLogs() {
        yield { value: { Type: 1, Line: 'before\n' } };
        await gate;
        yield { value: { Type: 1, Line: 'after\n' } };
      },
    };
    await withClient(
      { deps: () => ({ logs }), server: { handlerTimeoutMs: 1000, clock } },
      {},
      async (client, api) => {
        const { JobID } = await client.jobs.put({ job: dockerJob() });
        await api.execution(JobID, { state: 'Running' });
        const lines: string[] = [];
        for await (const line of client.jobs.logs({ idOrName: JobID, follow: true })) {
          lines.push(line.Line);
          if (lines.length === 1) {
            clock.advance(60_000);
            release();
          }
        }
        expect(lines).toEqual(['before\n', 'after\n']);
      },
    );
  });

  it('authenticates with the challenge method, as Bacalhau’s CLI does', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bacalhau-client-auth-'));
    const key = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    await writeFile(join(dataDir, 'user_id.pem'), key.export({ format: 'pem', type: 'pkcs1' }));
    try {
      await withClient({ config: (c) => void (c.DataDir = dataDir) }, {}, async (client) => {
        const { Methods } = await client.auth.methods();
        const requirement = Methods['ClientKey'];
        expect(requirement).toBeDefined();
        expect(await client.auth.method('ClientKey')).toEqual(requirement);
        const phrase = challengeInputPhrase(requirement ?? { type: '', params: null });
        expect(new TextDecoder().decode(phrase)).toBe(OrchestratorID);
        const answer = (signed: Uint8Array) =>
          encodeChallengeResponse({
            PhraseSignature: sign('sha256', signed, key).toString('base64'),
            PublicKey: createPublicKey(key).export({ format: 'der', type: 'pkcs1' }).toString('base64'),
          });
        const ok = await client.auth.authenticate('ClientKey', answer(phrase));
        expect(ok.success).toBe(true);
        expect(ok.token?.split('.')).toHaveLength(3);
        expect(await client.auth.authenticate('ClientKey', answer(new Uint8Array([1])))).toEqual({
          success: false,
          reason: 'crypto/rsa: verification error',
        });
        expect((await rejection(client.auth.method('Nope'))).code).toBe('NotFound');
        expect(() => challengeInputPhrase({ type: 'challenge', params: {} })).toThrow(
          'unexpected challenge input',
        );
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('sends Basic credentials and API keys to a server with API.Auth.Users', async () => {
    const apiKey = 'key-0123456789-0123456789';
    const users = (config: TestConfig) => {
      config.API.Auth.Users = [
        { Username: 'ann', Password: 'pässwörd-ünicode', Capabilities: [{ Actions: ['read:job'] }] },
        { APIKey: apiKey, Capabilities: [{ Actions: ['*'] }] },
      ];
    };
    await withClient({ config: users }, {}, async (anonymous, _api, baseUrl) => {
      const refused = await rejection(anonymous.jobs.list());
      expect(refused.code).toBe('Unauthorized');
      expect(refused.httpStatus).toBe(401);
      expect(refused.details['reason']).toBe('Missing Authorization header');
      expect((await anonymous.auth.methods()).Methods).toEqual({});

      const ann = new BacalhauClient({
        baseUrl,
        authorization: basicAuthorization('ann', 'pässwörd-ünicode'),
      });
      expect((await ann.jobs.list()).Items).toEqual([]);
      const forbidden = await rejection(ann.jobs.put({ job: dockerJob() }));
      expect(forbidden.code).toBe('Forbidden');
      expect(forbidden.details['reason']).toBe(
        "user 'ann' does not have the required capability 'write:job'",
      );

      const bot = new BacalhauClient({ baseUrl, token: apiKey });
      expect((await bot.jobs.put({ job: dockerJob() })).JobID).toMatch(/^j-/);
    });
  });

  it('asks reauthenticate once for requests refused together, and sends them again with its answer', async () => {
    const apiKey = 'key-0123456789-0123456789';
    const users = (config: TestConfig) => {
      config.API.Auth.Users = [{ APIKey: apiKey, Capabilities: [{ Actions: ['*'] }] }];
    };
    await withClient({ config: users }, {}, async (_anonymous, _api, baseUrl) => {
      let asked = 0;
      const answers = [`Bearer ${apiKey}`, undefined];
      const client = new BacalhauClient({
        baseUrl,
        token: 'stale',
        reauthenticate: () => Promise.resolve(answers[asked++]),
      });
      const [jobs, again, nodes] = await Promise.all([
        client.jobs.list(),
        client.jobs.list(),
        client.nodes.list(),
      ]);
      expect([jobs.Items, again.Items]).toEqual([[], []]);
      expect(nodes.Nodes?.length).toBeGreaterThan(0);
      expect(asked).toBe(1);
      expect((await client.jobs.list()).Items).toEqual([]); // kept for later requests
      expect(asked).toBe(1);

      // an answer of nothing gives up: the refusal is thrown, and the request is not sent again
      let sent = 0;
      const counting: typeof fetch = (input, init) => {
        sent++;
        return fetch(input, init);
      };
      let declined = 0;
      const givingUp = new BacalhauClient({
        baseUrl,
        fetch: counting,
        reauthenticate: () => Promise.resolve(void declined++),
      });
      expect((await rejection(givingUp.jobs.list())).httpStatus).toBe(401);
      expect(sent).toBe(1);
      // refused again with the same credentials: not asked again (a user who gave up is not asked twice)
      expect((await rejection(givingUp.jobs.list())).httpStatus).toBe(401);
      expect(declined).toBe(1);
      // refused again with what reauthenticate gave: thrown, not asked again for that request
      const wrong = new BacalhauClient({
        baseUrl,
        fetch: counting,
        reauthenticate: () => Promise.resolve('Bearer nope'),
      });
      sent = 0;
      expect((await rejection(wrong.jobs.list())).httpStatus).toBe(401);
      expect(sent).toBe(2);
    });
  });

  it('opens a refused log stream again with what reauthenticate gives', async () => {
    const apiKey = 'key-0123456789-0123456789';
    const logs: ApiLogSource = {
      async *streamLogs() {
        await Promise.resolve();
        yield { value: { Type: 1, Line: 'line 1\n' } };
      },
    };
    const users = (config: TestConfig) => {
      config.API.Auth.Users = [{ APIKey: apiKey, Capabilities: [{ Actions: ['*'] }] }];
    };
    await withClient({ config: users, deps: () => ({ logs }) }, {}, async (_anonymous, api, baseUrl) => {
      const owner = new BacalhauClient({ baseUrl, token: apiKey });
      const { JobID } = await owner.jobs.put({ job: dockerJob() });
      await api.execution(JobID, { state: 'Running' });
      let asked = 0;
      const client = new BacalhauClient({
        baseUrl,
        token: 'stale',
        // the CLI's sockets: a refused upgrade is reported as the server's 401
        ...nodeTransportOptions({ untrustedFix: '' }),
        reauthenticate: () => Promise.resolve(asked++ === 0 ? `Bearer ${apiKey}` : undefined),
      });
      const lines = [];
      for await (const line of client.jobs.logs({ idOrName: JobID, follow: true })) lines.push(line);
      expect(lines).toEqual([{ Type: 1, Line: 'line 1\n' }]);
      expect(asked).toBe(1);
    });
  });

  it('sends its headers: version, installation, instance, app ID, authorization', async () => {
    const sent: Record<string, string>[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      sent.push({ ...(init?.headers as Record<string, string>) });
      return fetch(input, init);
    };
    await withClient(
      {},
      {
        fetch: recordingFetch,
        token: 'tok',
        clientVersion: { GitVersion: 'v1.7.0', GitCommit: 'c0ffee', GOOS: 'linux', GOARCH: 'arm64' },
        installationID: 'install-1',
        instanceID: 'instance-1',
        appID: 'webui',
      },
      async (client) => {
        const { JobID } = await client.jobs.put({ job: dockerJob() });
        expect(sent[0]).toMatchObject({
          'X-Bacalhau-Git-Version': 'v1.7.0',
          'X-Bacalhau-Git-Commit': 'c0ffee',
          'X-Bacalhau-Build-OS': 'linux',
          'X-Bacalhau-Arch': 'arm64',
          'X-Bacalhau-InstallationID': 'install-1',
          'X-Bacalhau-InstanceID': 'instance-1',
          'X-Bacalhau-App-ID': 'webui',
          Authorization: 'Bearer tok',
          'Content-Type': 'application/json',
        });
        const job = await client.jobs.get({ idOrName: JobID });
        expect(job.Job.Meta['bacalhau.org/client.installation.id']).toBe('install-1');
      },
    );
  });

  it('is refused as outdated with a VersionMismatch error', async () => {
    await withClient({}, { clientVersion: { GitVersion: 'v1.2.0' } }, async (client) => {
      const err = await rejection(client.agent.alive());
      expect(err.code).toBe('VersionMismatch');
      expect(err.httpStatus).toBe(403);
      expect(err.message).toBe('Client version is outdated. Update your client');
      expect(err.details).toMatchObject({ MinVersion: '1.4.0', ClientVersion: '1.2.0' });
    });
  });

  it('uses its default namespace', async () => {
    await withClient({}, { namespace: 'team-a' }, async (client) => {
      await client.jobs.put({ job: dockerJob({ Namespace: 'team-a' }) });
      await client.jobs.put({ job: dockerJob({ Name: 'elsewhere', Namespace: 'default' }) });
      expect((await client.jobs.list()).Items.map((j) => j.Name)).toEqual(['Docker Job']);
      expect((await client.jobs.list({ namespace: '*' })).Items).toHaveLength(2);
      await client.jobs.stop({ idOrName: 'Docker Job', reason: 'x' });
      expect((await client.jobs.get({ idOrName: 'Docker Job' })).Job.State.StateType).toBe('Stopped');
    });
  });
});

describe('BacalhauClient failures', () => {
  it('reports an unreachable server as ServiceUnavailable', async () => {
    const client = new BacalhauClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 5000 });
    const err = await rejection(client.agent.alive());
    expect(err.code).toBe('ServiceUnavailable');
    expect(err.message).toBe('server is not running or not reachable at http://127.0.0.1:9');
    expect(err.hint).toContain('Ensure that the server is running');
  });

  it('times out (retryable) and can be cancelled', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
      });
    const slow = new BacalhauClient({ baseUrl: 'http://api.invalid', fetch: hanging, timeoutMs: 20 });
    const timedOut = await rejection(slow.agent.alive());
    expect(timedOut.code).toBe('TimeOut');
    expect(timedOut.retryable).toBe(true);
    const patient = new BacalhauClient({ baseUrl: 'http://api.invalid', fetch: hanging, timeoutMs: 0 });
    const controller = new AbortController();
    const pending = patient.agent.alive({ signal: controller.signal });
    controller.abort();
    expect((await rejection(pending)).code).toBe('RequestCancelled');
  });

  it('reports answers that are not the API\u2019s', async () => {
    const proxy: typeof fetch = () =>
      Promise.resolve(new Response('<html>Bad Gateway</html>', { status: 502 }));
    const client = new BacalhauClient({ baseUrl: 'http://api.invalid', fetch: proxy });
    const err = await rejection(client.agent.alive());
    expect(err.code).toBe('InternalError');
    expect(err.httpStatus).toBe(502);
    expect(err.message).toContain('Bad Gateway');
    const wrongShape: typeof fetch = () => Promise.resolve(Response.json({ Status: 5 }));
    const confused = new BacalhauClient({ baseUrl: 'http://api.invalid', fetch: wrongShape });
    expect((await rejection(confused.agent.alive())).message).toMatch(/invalid response from server/);
  });

  it('refuses an invalid base URL', () => {
    expect(() => new BacalhauClient({ baseUrl: 'not a url' })).toThrow(BacalhauError);
  });
});
