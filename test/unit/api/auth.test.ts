/**
 * `/api/v1/auth` (reference 6.3, 9): the methods of `API.Auth.Methods`, the challenge method end to end
 * with a client key as Bacalhau's CLI holds it, the token it issues, and the methods this server cannot
 * run.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../../src/api/server/index.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { selfNodeInfo } from '../../../src/orchestrator/nodes/testing.js';
import {
  call,
  expectApiError,
  keys,
  OrchestratorID,
  serverBuildInfo,
  testConfig,
  withApi,
  type TestConfig,
} from './harness.js';

const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');

/** A client's RSA key, as `user_id.pem` holds it (1024 bits: fast, and the smallest Go accepts). */
function clientKey(bits = 1024): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
}

/** What Bacalhau's challenge responder sends: JSON {PhraseSignature, PublicKey}, base64 in MethodData. */
function challengeAnswer(key: KeyObject, phrase: string | Uint8Array): Record<string, string> {
  const answer = {
    PhraseSignature: b64(sign('sha256', Buffer.from(phrase), key)),
    PublicKey: b64(createPublicKey(key).export({ format: 'der', type: 'pkcs1' })),
  };
  return { Name: 'ClientKey', MethodData: b64(JSON.stringify(answer)) };
}

function decodeJwt(token: string): { header: unknown; claims: Record<string, unknown>; signed: boolean } {
  const [header = '', claims = '', signature = ''] = token.split('.');
  const part = (s: string): unknown => JSON.parse(Buffer.from(s, 'base64url').toString());
  return {
    header: part(header),
    claims: part(claims) as Record<string, unknown>,
    signed: verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      createPublicKey(nodeKeyPem),
      Buffer.from(signature, 'base64url'),
    ),
  };
}

let dataDir: string;
let nodeKeyPem: string;
const client = clientKey();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bacalhau-auth-'));
  // The node's user key, made in advance so that tests do not wait for a 2048-bit key.
  nodeKeyPem = clientKey().export({ format: 'pem', type: 'pkcs1' }).toString();
  await writeFile(join(dataDir, 'user_id.pem'), nodeKeyPem, { mode: 0o600 });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const inDataDir = (config: TestConfig): void => {
  config.DataDir = dataDir;
};

describe('GET /api/v1/auth', () => {
  it('lists the configured methods: by default ClientKey, a challenge on this node\u2019s ID', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v1/auth');
      expect(res.status).toBe(200);
      expect(keys(res.body)).toEqual(['NextToken', 'Methods']);
      expect(res.body).toEqual({
        NextToken: '',
        Methods: { ClientKey: { type: 'challenge', params: { InputPhrase: b64(OrchestratorID) } } },
      });
    });
  });

  it('lists none when API.Auth.Users is configured (Go\u2019s sign to use credentials instead)', async () => {
    const users = (config: TestConfig): void => {
      config.API.Auth.Users = [
        { Username: 'ann', Password: 'long-enough-pw', Capabilities: [{ Actions: ['*'] }] },
      ];
    };
    await withApi({ config: users }, async (api) => {
      expect((await call(api, 'GET', '/api/v1/auth')).body).toEqual({ NextToken: '', Methods: {} });
      expect((await call(api, 'GET', '/api/v1/auth/ClientKey')).status).toBe(404);
    });
  });
});

describe('GET /api/v1/auth/{name}', () => {
  it('returns the method\u2019s requirement {type, params}', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v1/auth/ClientKey');
      expect(res.status).toBe(200);
      expect(keys(res.body)).toEqual(['type', 'params']);
      expect(res.body).toEqual({ type: 'challenge', params: { InputPhrase: b64(OrchestratorID) } });
    });
  });

  it('answers an unknown method with Go\u2019s 404 for unknown routes', async () => {
    await withApi({}, async (api) => {
      for (const method of ['GET', 'POST'] as const) {
        expectApiError(await call(api, method, '/api/v1/auth/Nope', method === 'POST' ? {} : undefined), {
          status: 404,
          code: 'NotFound',
          component: 'APIServer',
          message: 'The requested resource/URL was not found.',
        });
      }
    });
  });
});

describe('POST /api/v1/auth/{name} with the challenge method', () => {
  it('issues a one-month RS256 token for a valid signature, signed with the node\u2019s user key', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 31, 12, 0, 0));
    await withApi({ config: inDataDir, server: { clock } }, async (api) => {
      const res = await call(api, 'POST', '/api/v1/auth/ClientKey', challengeAnswer(client, OrchestratorID));
      expect(res.status, res.text).toBe(200);
      expect(keys(res.body)).toEqual(['Authentication']);
      expect(keys(res.body.Authentication as never)).toEqual(['success', 'token']);
      const token = (res.body as unknown as { Authentication: { token: string } }).Authentication.token;
      const jwt = decodeJwt(token);
      expect(jwt.signed).toBe(true);
      expect(jwt.header).toEqual({ alg: 'RS256', typ: 'JWT' });
      const modulus = Buffer.from(createPublicKey(client).export({ format: 'jwk' }).n ?? '', 'base64url');
      const clientID = createHash('sha256').update(modulus).digest('hex');
      expect(jwt.claims).toEqual({
        aud: [OrchestratorID],
        // Go's AddDate: 31 January + 1 month = 2 March in a leap year.
        exp: Date.UTC(2024, 2, 2, 12, 0, 0) / 1000,
        iat: Date.UTC(2024, 0, 31, 12, 0, 0) / 1000,
        iss: OrchestratorID,
        ns: { '*': 5, [clientID]: 15 },
        sub: clientID,
      });
    });
  });

  it('refuses a bad signature or key with 401 and Go\u2019s reason, in an AuthnResponse', async () => {
    await withApi({ config: inDataDir }, async (api) => {
      const wrongPhrase = await call(api, 'POST', '/api/v1/auth/ClientKey', challengeAnswer(client, 'other'));
      expect(wrongPhrase.status).toBe(401);
      expect(wrongPhrase.text).toBe(
        '{"Authentication":{"success":false,"reason":"crypto/rsa: verification error"}}\n',
      );

      const answer = (fields: Record<string, string>) => ({ MethodData: b64(JSON.stringify(fields)) });
      const reason = async (fields: Record<string, string>): Promise<string> => {
        const res = await call(api, 'POST', '/api/v1/auth/ClientKey', answer(fields));
        expect(res.status).toBe(401);
        return String((res.body.Authentication as unknown as { reason: string }).reason);
      };
      const valid = JSON.parse(
        Buffer.from(challengeAnswer(client, OrchestratorID)['MethodData'] ?? '', 'base64').toString(),
      ) as Record<string, string>;
      expect(await reason({ ...valid, PublicKey: 'not*base64' })).toBe(
        'failed to decode public key: failed to decode public key: illegal base64 data at input byte 3',
      );
      expect(await reason({ ...valid, PublicKey: b64('not DER') })).toBe(
        'failed to decode public key: not a PKCS#1 RSA public key',
      );
      expect(await reason({ ...valid, PhraseSignature: 'abc' })).toBe(
        'failed to decode signature: illegal base64 data at input byte 0',
      );
      expect(await reason({ PublicKey: valid['PublicKey'] ?? '' })).toBe('crypto/rsa: verification error');
      const small = clientKey(512);
      expect(
        await reason(
          JSON.parse(
            Buffer.from(challengeAnswer(small, OrchestratorID)['MethodData'] ?? '', 'base64').toString(),
          ) as Record<string, string>,
        ),
      ).toBe(
        'crypto/rsa: 512-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)',
      );
    });
  });

  it('answers malformed MethodData with a 400 naming it', async () => {
    await withApi({ config: inDataDir }, async (api) => {
      const post = (body: unknown) => call(api, 'POST', '/api/v1/auth/ClientKey', body);
      expectApiError(await post({ MethodData: 'abc' }), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: "field: 'MethodData' in 'AuthnRequest' is invalid: illegal base64 data at input byte 0",
      });
      expectApiError(await post({ MethodData: 42 }), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /MethodData.*expected a base64 string, got number/,
      });
      expectApiError(await post({ MethodData: b64('not json') }), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /^invalid authentication data: /,
      });
      expectApiError(await post({ MethodData: b64('[1]') }), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: /^invalid authentication data: /,
      });
      expectApiError(await post({}), {
        status: 400,
        code: 'InternalError',
        component: 'APIServer',
        message: 'invalid authentication data: MethodData is empty',
      });
    });
  });

  it('creates the user key in the data directory when missing, as Go does, and keeps using it', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'bacalhau-auth-new-'));
    try {
      const config = (c: TestConfig): void => {
        c.DataDir = join(fresh, 'nested');
      };
      const tokens: string[] = [];
      for (let run = 0; run < 2; run++) {
        await withApi({ config }, async (api) => {
          const res = await call(
            api,
            'POST',
            '/api/v1/auth/ClientKey',
            challengeAnswer(client, OrchestratorID),
          );
          tokens.push((res.body as unknown as { Authentication: { token: string } }).Authentication.token);
        });
      }
      const path = join(fresh, 'nested', 'user_id.pem');
      const pem = await readFile(path, 'utf8');
      expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
      expect(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      for (const token of tokens) {
        const [header = '', claims = '', signature = ''] = token.split('.');
        expect(
          verify(
            'sha256',
            Buffer.from(`${header}.${claims}`),
            createPublicKey(pem),
            Buffer.from(signature, 'base64url'),
          ),
        ).toBe(true);
      }
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

describe('methods this server cannot run', () => {
  let policies = '';
  beforeAll(async () => {
    policies = await mkdtemp(join(tmpdir(), 'auth-policies-'));
    for (const name of ['ask.rego', 'challenge.rego'])
      await writeFile(join(policies, name), 'package bacalhau.authn\n');
  });
  afterAll(() => rm(policies, { recursive: true, force: true }));
  const regoMethods = (config: TestConfig): void => {
    config.API.Auth.Methods = {
      ClientKey: { Type: 'challenge' },
      Shared: { Type: 'ask', PolicyPath: join(policies, 'ask.rego') },
      Custom: { Type: 'challenge', PolicyPath: join(policies, 'challenge.rego') },
    };
  };

  it('are left out of the list and answer 501 naming API.Auth.Methods and the fix', async () => {
    await withApi({ config: regoMethods }, async (api) => {
      const list = await call(api, 'GET', '/api/v1/auth');
      expect(Object.keys(list.body.Methods as never)).toEqual(['ClientKey']);
      for (const [name, what] of [
        ['Shared', 'is of type ask'],
        ['Custom', `has a PolicyPath (${join(policies, 'challenge.rego')})`],
      ] as const) {
        for (const method of ['GET', 'POST'] as const) {
          const res = await call(api, method, `/api/v1/auth/${name}`, method === 'POST' ? {} : undefined);
          expectApiError(res, {
            status: 501,
            code: 'NotImplemented',
            component: 'Authenticator',
            message: `authentication method "${name}" (API.Auth.Methods.${name}) ${what}${
              name === 'Shared' ? ', whose questions and answers come from a Rego policy' : ', a Rego policy'
            }; bacalhau-ts has no Rego engine to evaluate it`,
          });
          expect(str(res.body.Hint)).toContain(`Remove API.Auth.Methods.${name}`);
          expect(res.text).not.toMatch(/at .*\.ts/);
        }
      }
    });
  });

  it('a policy file that cannot be read stops the server, as in Go, naming each method', async () => {
    const config = testConfig((c) => {
      c.API.Auth.Methods = {
        Pw: { Type: 'ask', PolicyPath: join(policies, 'missing.rego') },
        Bare: { Type: 'ask' },
        Custom: { Type: 'challenge', PolicyPath: join(policies, 'challenge.rego') },
      };
    });
    const started = createApiServer({
      agent: { nodeInfo: () => selfNodeInfo(OrchestratorID), config, buildInfo: serverBuildInfo },
      orchestrator: { jobs: unused, endpoint: unused, nodes: unused },
    });
    await expect(started).rejects.toMatchObject({
      code: 'ConfigurationError',
      message:
        `API.Auth.Methods.Pw.PolicyPath: cannot read ${join(policies, 'missing.rego')}: ENOENT: no such file ` +
        `or directory, open '${join(policies, 'missing.rego')}'\n` +
        'API.Auth.Methods.Bare.PolicyPath: missing: an ask method needs a policy file',
      hint: 'give each method a readable policy file, or remove the method',
    });
  });

  it('an unknown method type stops the server, as in Go', async () => {
    const config = testConfig((c) => {
      c.API.Auth.Methods = { Corp: { Type: 'oidc' } };
    });
    await expect(
      createApiServer({
        agent: { nodeInfo: () => selfNodeInfo(OrchestratorID), config, buildInfo: serverBuildInfo },
        orchestrator: { jobs: unused, endpoint: unused, nodes: unused },
      }),
    ).rejects.toThrow('unknown authentication type: "oidc"');
  });
});

const str = (value: unknown): string => String(value);
const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('unused')) }) as never;
