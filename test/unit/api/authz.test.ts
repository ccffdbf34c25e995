/**
 * The authorizer middleware (reference 9): allow-all by default; with `API.Auth.Users` configured, Basic
 * credentials (plain or bcrypt-hashed passwords), API keys and SSO tokens (JWTs checked against the
 * provider's JWKS) with capabilities, 401 `Request Unauthorized` / 403 `Request Forbidden` with Go's
 * reasons, open paths; configurations this server cannot honour refuse to start.
 */
import bcrypt from 'bcryptjs';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../../../src/api/client/index.js';
import {
  hasCapability,
  requiredCapability,
  resourceTypeOf,
} from '../../../src/api/server/authz/capabilities.js';
import { JwksKeySet } from '../../../src/api/server/authz/jwks.js';
import { PasswordChecker } from '../../../src/api/server/authz/passwords.js';
import { createApiServer } from '../../../src/api/server/index.js';
import { startFakeOAuth2Provider, type FakeOAuth2Provider } from '../../helpers/fake-oauth2-provider.js';
import { selfNodeInfo } from '../../../src/orchestrator/nodes/testing.js';
import {
  call,
  dockerJob,
  expectApiError,
  OrchestratorID,
  serverBuildInfo,
  testConfig,
  withApi,
  type Answer,
  type TestConfig,
} from './harness.js';

const adminKey = 'admin-key-0123456789-abcde';
const readerKey = 'reader-key-0123456789-vwxyz';

function withUsers(config: TestConfig): void {
  config.API.Auth.Users = [
    { Username: 'root', Password: 'root-password', Capabilities: [{ Actions: ['*'] }] },
    {
      Alias: 'Reader',
      Username: 'reader',
      Password: 'reader-password',
      Capabilities: [{ Actions: ['read:job'] }],
    },
    { Username: 'looker', Password: 'looker-password', Capabilities: [{ Actions: ['read:*'] }] },
    { Username: 'writer', Password: 'writer-password', Capabilities: [{ Actions: ['write:*'] }] },
    { Alias: 'ci', APIKey: adminKey, Capabilities: [{ Actions: ['write:job', 'read:job'] }] },
    { APIKey: readerKey, Capabilities: [{ Actions: ['read:node'] }] },
  ];
}

const basic = (user: string, password: string) => ({ Authorization: basicAuthorization(user, password) });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Go's two refusals: an unknown caller (401) and a known one lacking the capability (403). */
const refusals = {
  401: {
    code: 'Unauthorized',
    message: 'Request Unauthorized',
    hint: 'Unauthorized principal. Event has been recorded.',
  },
  403: {
    code: 'Forbidden',
    message: 'Request Forbidden',
    hint: 'Check if user have access to this resource. Event has been recorded.',
  },
} as const;

function expectRefusal(status: 401 | 403, res: Answer, reason: string): void {
  const { code, message, hint } = refusals[status];
  expectApiError(res, { status, code, component: 'Authorizer', message });
  expect(res.body.Hint).toBe(hint);
  expect(res.body.Details).toEqual({ reason });
}
const expectUnauthorized = (res: Answer, reason: string) => expectRefusal(401, res, reason);
const expectForbidden = (res: Answer, reason: string) => expectRefusal(403, res, reason);

describe('the default authorizer', () => {
  it('allows every request, with or without credentials', async () => {
    await withApi({}, async (api) => {
      for (const headers of [{}, bearer('whatever'), { Authorization: 'Token x' }, basic('a', 'b')]) {
        expect((await call(api, 'GET', '/api/v1/orchestrator/jobs', undefined, headers)).status).toBe(200);
        expect((await call(api, 'GET', '/api/v1/agent/config', undefined, headers)).status).toBe(200);
      }
    });
  });
});

describe('the entry-point authorizer (API.Auth.Users)', () => {
  it('lets open paths through without credentials', async () => {
    await withApi({ config: withUsers }, async (api) => {
      for (const url of [
        '/api/v1/agent/alive',
        '/api/v1/agent/version',
        '/api/v1/agent/authconfig',
        '/api/v1/auth',
        '/api/v1/openapi.json',
      ]) {
        expect((await call(api, 'GET', url)).status, url).toBe(200);
      }
      // Open by prefix, as in Go: this route does not exist, so it is a 404, not a 401.
      expect((await call(api, 'GET', '/api/v1/version')).status).toBe(404);
      // CORS preflights are answered before authorization.
      const preflight = await call(api, 'OPTIONS', '/api/v1/orchestrator/jobs', undefined, {
        Origin: 'http://ui.example',
        'Access-Control-Request-Method': 'PUT',
      });
      expect(preflight.status).toBe(204);
    });
  });

  it('refuses requests without credentials, or with unusable ones, with 401 and Go\u2019s reason', async () => {
    await withApi({ config: withUsers }, async (api) => {
      const jobs = (headers: Record<string, string> = {}) =>
        call(api, 'GET', '/api/v1/orchestrator/jobs', undefined, headers);
      expectUnauthorized(await jobs(), 'Missing Authorization header');
      expectUnauthorized(await jobs({ Authorization: '' }), 'unsupported authentication method');
      expectUnauthorized(await jobs({ Authorization: 'Token abc' }), 'unsupported authentication method');
      expectUnauthorized(await jobs(basic('root', 'wrong-password')), 'invalid basic auth credentials');
      expectUnauthorized(await jobs(basic('nobody', 'root-password')), 'invalid basic auth credentials');
      expectUnauthorized(
        await jobs({ Authorization: 'Basic ***' }),
        'failed to decode basic auth credentials',
      );
      expectUnauthorized(
        await jobs({ Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }),
        'invalid basic auth credentials format',
      );
      expectUnauthorized(await jobs(bearer('not-a-key')), 'invalid API key');
      expectUnauthorized(await jobs({ Authorization: 'Bearer ' }), 'empty API key provided');
      // A JWT (e.g. a challenge token or an SSO token) on a server without the OAuth2 settings to check it.
      const jwt = ['{"alg":"RS256"}', '{"sub":"x"}']
        .map((part) => Buffer.from(part).toString('base64url'))
        .join('.');
      expectUnauthorized(await jobs(bearer(`${jwt}.c2ln`)), 'OAuth2 authentication not configured on server');
      // Unauthenticated requests are refused before the version check, as in Go.
      expect((await jobs({ 'X-Bacalhau-Git-Version': 'v1.0.0' })).status).toBe(401);
      // Unknown paths need write:node, so they are refused before the 404.
      expect((await call(api, 'GET', '/api/v2/whatever')).status).toBe(401);
    });
  });

  it('checks capabilities: GET needs read, other methods write, by resource', async () => {
    await withApi({ config: withUsers }, async (api) => {
      const jobs = '/api/v1/orchestrator/jobs';
      const job = (Name: string) => ({ Job: dockerJob({ Name }) });
      const lacks = (user: string, capability: string) =>
        `user '${user}' does not have the required capability '${capability}'`;
      // credentials, method, path, body, and the refusal's reason (none: allowed)
      const cases: [Record<string, string>, 'GET' | 'PUT', string, unknown, string?][] = [
        [basic('ROOT', 'root-password'), 'PUT', jobs, job('j')], // usernames are case-insensitive
        [basic('reader', 'reader-password'), 'GET', jobs, undefined],
        [basic('reader', 'reader-password'), 'GET', `${jobs}/j/history`, undefined],
        [basic('reader', 'reader-password'), 'PUT', jobs, job('r'), lacks('Reader', 'write:job')],
        [
          basic('reader', 'reader-password'),
          'GET',
          '/api/v1/orchestrator/nodes',
          undefined,
          lacks('Reader', 'read:node'),
        ],
        [
          basic('reader', 'reader-password'),
          'GET',
          '/api/v2/whatever',
          undefined,
          lacks('Reader', 'write:node'),
        ],
        [basic('looker', 'looker-password'), 'GET', jobs, undefined],
        [basic('looker', 'looker-password'), 'GET', '/api/v1/orchestrator/nodes', undefined],
        [basic('looker', 'looker-password'), 'GET', '/api/v1/agent/config', undefined],
        [
          basic('looker', 'looker-password'),
          'PUT',
          `/api/v1/orchestrator/nodes/${OrchestratorID}`,
          { Action: 'approve' },
          lacks('looker', 'write:node'),
        ],
        [basic('writer', 'writer-password'), 'PUT', jobs, job('w')],
        [basic('writer', 'writer-password'), 'GET', jobs, undefined, lacks('writer', 'read:job')],
        [bearer(adminKey), 'PUT', jobs, job('ci')],
        [bearer(adminKey), 'GET', '/api/v1/agent/debug', undefined, lacks('ci', 'read:agent')],
        [bearer(readerKey), 'GET', '/api/v1/orchestrator/nodes', undefined],
        [bearer(readerKey), 'GET', jobs, undefined, lacks('API key ending in ...vwxyz', 'read:job')],
      ];
      for (const [headers, method, url, body, refusal] of cases) {
        const res = await call(api, method, url, body, headers);
        if (refusal === undefined) expect(res.status, `${method} ${url} ${res.text}`).toBe(200);
        else expectForbidden(res, refusal);
      }
    });
  });
});

describe('capabilities', () => {
  it('map paths to resources by longest prefix, as Go does', () => {
    expect(resourceTypeOf('/api/v1/agent/alive')).toBe('open');
    expect(resourceTypeOf('/api/v1/agent/config')).toBe('agent');
    expect(resourceTypeOf('/api/v1/agentsmith')).toBe('agent');
    expect(resourceTypeOf('/api/v1/authority')).toBe('open');
    expect(resourceTypeOf('/api/v1/orchestrator/jobs/j-1/logs')).toBe('job');
    expect(resourceTypeOf('/api/v1/orchestrator/nodes')).toBe('node');
    expect(resourceTypeOf('/')).toBeUndefined();
    expect(requiredCapability(undefined, 'GET')).toBe('write:node');
    expect(requiredCapability('job', 'HEAD')).toBe('write:job');
    expect(requiredCapability('agent', 'GET')).toBe('read:agent');
  });

  it('grant by exact action, read:*, write:* and *', () => {
    const user = (...actions: string[]) => ({ Capabilities: [{ Actions: actions }] });
    expect(hasCapability(user('read:job'), 'read:job')).toBe(true);
    expect(hasCapability(user('read:job'), 'write:job')).toBe(false);
    expect(hasCapability(user('read:*'), 'read:node')).toBe(true);
    expect(hasCapability(user('read:*'), 'write:node')).toBe(false);
    expect(hasCapability(user('write:*'), 'write:agent')).toBe(true);
    expect(hasCapability(user('write:*'), 'read:agent')).toBe(false);
    expect(hasCapability(user('*'), 'write:node')).toBe(true);
    expect(hasCapability({ Capabilities: [{}, { Actions: ['read:job'] }] }, 'read:job')).toBe(true);
    expect(hasCapability({}, 'read:job')).toBe(false);
  });
});

describe('configurations that cannot be honoured refuse to start', () => {
  async function startWith(change: (config: TestConfig) => void): Promise<unknown> {
    const config = testConfig(change);
    try {
      const server = await createApiServer({
        agent: { nodeInfo: () => selfNodeInfo(OrchestratorID), config, buildInfo: serverBuildInfo },
      });
      await server.close();
      return undefined;
    } catch (err) {
      return err;
    }
  }
  const users =
    (...list: TestConfig['API']['Auth']['Users']) =>
    (config: TestConfig) => {
      config.API.Auth.Users = list;
    };
  const all = [{ Actions: ['*'] }];

  it('invalid users, with Go\u2019s messages', async () => {
    const cases: [TestConfig['API']['Auth']['Users'], string][] = [
      [
        [{ Username: 'a', Password: 'long-password', APIKey: 'k'.repeat(20), Capabilities: all }],
        "user 'a' has both username/password and API key, must have only one authentication method",
      ],
      [
        [{ Alias: 'x', Username: 'a', Capabilities: all }],
        "user 'x' has neither username/password nor API key, must have one authentication method",
      ],
      [
        [{ Username: 'a-b', Password: 'long-password', Capabilities: all }],
        "username for user 'a-b' must contain only alphanumeric characters (a-z, A-Z, 0-9)",
      ],
      [
        [{ Username: 'a', Password: 'short', Capabilities: all }],
        "password for user 'a' is too short, minimum length is 10 characters",
      ],
      [
        [{ APIKey: 'short-key-123', Capabilities: all }],
        "API key for user 'API key ending in ...y-123' is too short, minimum length is 20 characters",
      ],
      [
        [{ Username: 'a', Password: 'long-password' }],
        "user 'a' has no capabilities defined, must have at least one capability",
      ],
      [
        [
          { Username: 'Ann', Password: 'long-password', Capabilities: all },
          { Username: 'ann', Password: 'long-password', Capabilities: all },
        ],
        "duplicate username detected: 'Ann' and 'ann' (usernames are case-insensitive)",
      ],
      [
        [
          { Alias: 'bot', APIKey: 'k'.repeat(20), Capabilities: all },
          { Alias: 'other', APIKey: 'k'.repeat(20), Capabilities: all },
        ],
        "duplicate API key detected for user 'other'",
      ],
    ];
    for (const [list, message] of cases) {
      const err = (await startWith(users(...list))) as Error;
      expect(err?.message, message).toBe(`error initializing users: ${message}`);
    }
  });

  it('incomplete OAuth2 settings for SSO tokens, and a Rego access policy', async () => {
    const partial = (await startWith((config) => {
      config.API.Auth.Oauth2['ProviderID'] = 'auth0';
      config.API.Auth.Oauth2['JWKSUri'] = 'https://example.auth0.com/.well-known/jwks.json';
      config.API.Auth.Oauth2['Issuer'] = 'https://example.auth0.com/';
    })) as Error & { hint: string };
    expect(partial.message).toBe(
      'error initializing users: missing required OAuth2 fields for JWT authorization: Audience, DeviceClientID',
    );
    expect(partial.hint).toBe('Fix API.Auth.Users and API.Auth.Oauth2 in the configuration');
    const badUrl = (await startWith((config) => {
      Object.assign(config.API.Auth.Oauth2, {
        ProviderID: 'auth0',
        JWKSUri: 'jwks.json',
        Issuer: 'i',
        Audience: 'a',
        DeviceClientID: 'c',
      });
    })) as Error;
    expect(badUrl.message).toBe('error initializing users: invalid JWKS URL format: jwks.json');
    const policy = (await startWith((config) => {
      config.API.Auth.AccessPolicyPath = '/etc/bacalhau/policy.rego';
    })) as Error;
    expect(policy.message).toMatch(
      /^API.Auth.AccessPolicyPath \(\/etc\/bacalhau\/policy.rego\) is a Rego policy/,
    );
    // A provider without JWT settings is accepted: SSO tokens are then refused (see above).
    expect(
      await startWith((config) => void (config.API.Auth.Oauth2['ProviderID'] = 'auth0')),
    ).toBeUndefined();
  });
});

describe('bcrypt-hashed passwords (`bacalhau auth hash-password`)', () => {
  // Go's own test vector (golang.org/x/crypto/bcrypt): "allmine" at cost 10.
  const hash = '$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga';
  /** A server whose one user, ann, has that hash; `test` lists jobs with ann's name and a password. */
  const withAnn = (test: (jobs: (password: string) => Promise<Answer>) => Promise<void>) =>
    withApi(
      {
        config: (c: TestConfig): void => {
          c.API.Auth.Users = [{ Username: 'ann', Password: hash, Capabilities: [{ Actions: ['read:*'] }] }];
        },
      },
      (api) =>
        test((password) => call(api, 'GET', '/api/v1/orchestrator/jobs', undefined, basic('ann', password))),
    );

  it('accepts the password whose hash is configured, and only that one', async () => {
    await withAnn(async (jobs) => {
      expect((await jobs('allmine')).status).toBe(200);
      expect((await jobs('allmine')).status).toBe(200); // remembered: no second bcrypt run needed
      expectUnauthorized(await jobs('allyours'), 'invalid basic auth credentials');
      expectUnauthorized(await jobs(''), 'invalid basic auth credentials');
      expectUnauthorized(await jobs(hash), 'invalid basic auth credentials'); // the hash is not the password
    });
  });

  it('verifies one bcrypt password at a time: a flood of wrong ones is refused with 429, a verified one still passes', async () => {
    await withAnn(async (jobs) => {
      expect((await jobs('allmine')).status).toBe(200);
      const [verified, ...flood] = await Promise.all([
        jobs('allmine'),
        ...Array.from({ length: 30 }, (_, i) => jobs(`guess-${i}`)),
      ]);
      expect(verified?.status).toBe(200);
      const refused = flood.filter((answer) => answer.status === 429);
      // one runs and 8 wait (more if one ended meanwhile); the rest are refused without running bcrypt
      expect(flood.filter((answer) => answer.status === 401).length).toBeGreaterThanOrEqual(9);
      expect(refused.length).toBeGreaterThan(0);
      expect(flood.every((answer) => answer.status === 401 || answer.status === 429)).toBe(true);
      expectApiError(refused[0] as Answer, {
        status: 429,
        code: 'ResourceExhausted',
        component: 'Authorizer',
        message: 'too many password checks in progress',
      });
    });
  });

  it("never refuses one user's check for a flood of wrong passwords against another's", async () => {
    const checker = new PasswordChecker();
    const bytes = (s: string) => new TextEncoder().encode(s);
    const bobs = bcrypt.hashSync('bobpass', 4);
    const flood = Array.from({ length: 30 }, (_, i) => checker.matches(bytes(`guess-${i}`), hash));
    const bob = checker.matches(bytes('bobpass'), bobs);
    const answers = await Promise.allSettled(flood);
    expect(answers.filter((answer) => answer.status === 'rejected').length).toBeGreaterThan(0);
    expect(await bob).toBe(true);
  });

  it('checks hashes without bcrypt once a password matched, and never trusts a different one', async () => {
    const checker = new PasswordChecker();
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(await checker.matches(bytes('allmine'), hash)).toBe(true);
    expect(await checker.matches(bytes('allmine!'), hash)).toBe(false);
    expect(await checker.matches(bytes('allmine'), hash)).toBe(true);
    expect(await checker.matches(bytes('plain-secret'), 'plain-secret')).toBe(true);
    expect(await checker.matches(bytes('plain-secreT'), 'plain-secret')).toBe(false);
    // A malformed hash matches nothing, as Go's CompareHashAndPassword errors.
    expect(await checker.matches(bytes('x'), `$2a$99$${'x'.repeat(53)}`)).toBe(false);
  });
});

describe('SSO tokens (API.Auth.Oauth2 with a JWKS)', () => {
  let provider: FakeOAuth2Provider;
  beforeAll(async () => {
    provider = await startFakeOAuth2Provider();
  });
  afterAll(() => provider.close());

  const withSso = (config: TestConfig): void => {
    for (const setting of provider.settings) {
      const [key, value] = setting.split('=', 2) as [string, string];
      if (key !== 'API.Auth.Oauth2.Scopes') config.API.Auth.Oauth2[key.split('.').pop() ?? ''] = value;
    }
  };

  it('approves valid tokens by their permissions claim, refuses the rest with Go\u2019s reasons', async () => {
    await withApi({ config: withSso }, async (api) => {
      const jobs = (token: string, method: 'GET' | 'PUT' = 'GET') =>
        call(
          api,
          method,
          '/api/v1/orchestrator/jobs',
          method === 'PUT' ? { Job: dockerJob() } : undefined,
          bearer(token),
        );
      const now = Math.floor(Date.now() / 1000);
      expect((await jobs(provider.token())).status).toBe(200);
      expectForbidden(
        await jobs(provider.token(), 'PUT'),
        "user 'ann@example.com' does not have the required capability 'write:job'",
      );
      expect((await jobs(provider.token({ permissions: ['write:job'] }), 'PUT')).status).toBe(200);
      expect((await jobs(provider.token({ aud: provider.audience }))).status).toBe(200); // aud as a string
      const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      for (const invalid of [
        provider.token({ exp: now - 10 }), // expired
        provider.token({ exp: undefined }), // no expiry
        provider.token({ iat: now + 600 }), // issued in the future
        provider.token({ nbf: now + 600 }), // not valid yet
        provider.token({ iss: 'https://elsewhere/' }),
        provider.token({ aud: ['https://other-api'] }),
        provider.token({}, { key: otherKey }), // signed by someone else
        provider.token({}, { kid: 'unknown-key' }),
        `${provider.token().split('.').slice(0, 2).join('.')}.c2lnbmF0dXJl`,
      ]) {
        expectUnauthorized(await jobs(invalid), 'invalid JWT token');
      }
      // Not RS256: refused whatever the signature.
      const [, claims] = provider.token().split('.');
      const hs256 = `${Buffer.from('{"alg":"HS256","kid":"test-key-1"}').toString('base64url')}.${claims}.c2ln`;
      expectUnauthorized(await jobs(hs256), 'invalid JWT token');
      // API keys and Basic users still work alongside (none configured here).
      expectUnauthorized(await jobs('not-a-jwt-api-key'), 'invalid API key');
    });
    // The keys were fetched once, not per request.
    expect(provider.requests.filter((r) => r.path === '/.well-known/jwks.json')).toHaveLength(1);
  });

  it('keeps the keys it has when the provider is unreachable, and finds new ones after a rotation', async () => {
    const clock = { now: () => Date.now(), setTimer: () => ({ cancel: () => undefined }) };
    let answer: () => Promise<Response> = () => fetch(`${provider.url}/.well-known/jwks.json`);
    const keys = new JwksKeySet('http://jwks.invalid/keys', clock, () => answer());
    expect(await keys.key('test-key-1')).toBeDefined();
    answer = () => Promise.reject(new TypeError('fetch failed'));
    const now = Date.now();
    clock.now = () => now + 61 * 60_000; // due for the hourly refresh, which fails
    expect(await keys.key('test-key-1')).toBeDefined();
    answer = () => Promise.resolve(Response.json({ keys: [] }));
    expect(await keys.key('test-key-1')).toBeDefined(); // refreshed a moment ago: not again yet
    clock.now = () => now + 67 * 60_000; // an unknown key after five minutes: refreshed
    expect(await keys.key('rotated')).toBeUndefined();
    expect(await keys.key('test-key-1')).toBeUndefined(); // the provider dropped it
  });
});
