/**
 * A fake OAuth2/OIDC provider on 127.0.0.1 for SSO tests: the device authorization endpoint, the token
 * endpoint (answering `authorization_pending` a set number of times before the token, or an error
 * instead), and the JWKS holding the RSA key its RS256 tokens are signed with. `settings` is the
 * `API.Auth.Oauth2` a node needs to point at it. Every request is recorded.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signJwt } from '../../src/api/server/authn/jwt.js';

export interface ProviderBehaviour {
  /** `authorization_pending` answers before the token (default 0). */
  pending?: number;
  /** Answer this error (e.g. `access_denied`) instead of the token. */
  error?: string;
  /** The device answer's `interval` (default 1) and `expires_in` (default 300). */
  interval?: number;
  expiresIn?: number;
  /** Claims of the issued token, over the defaults (sub, iss, aud, iat, exp, permissions). */
  claims?: Record<string, unknown>;
  /** Answer the token endpoint form-encoded instead of JSON. */
  formEncoded?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  form: Record<string, string>;
}

export interface FakeOAuth2Provider {
  readonly url: string;
  readonly issuer: string;
  readonly audience: string;
  readonly clientID: string;
  /** `API.Auth.Oauth2` pointing at this provider, as config `key=value` overrides. */
  readonly settings: readonly string[];
  readonly requests: RecordedRequest[];
  behave(behaviour: ProviderBehaviour): void;
  /** A token signed with the provider's key (or `key`), over the default claims. */
  token(claims?: Record<string, unknown>, options?: { key?: KeyObject; kid?: string }): string;
  close(): Promise<void>;
}

const kid = 'test-key-1';

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return Object.fromEntries(new URLSearchParams(body));
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, form = false): void {
  if (form) {
    res.writeHead(status, { 'Content-Type': 'application/x-www-form-urlencoded' });
    res.end(
      new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString(),
    );
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

export async function startFakeOAuth2Provider(): Promise<FakeOAuth2Provider> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const requests: RecordedRequest[] = [];
  let behaviour: ProviderBehaviour = {};
  let pendingLeft = 0;
  let url = '';
  const audience = 'https://bacalhau.test/api';
  const clientID = 'bacalhau-cli-test';

  const defaultClaims = (): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: 'ann@example.com',
      iss: `${url}/`,
      aud: [audience],
      iat: now,
      exp: now + 3600,
      permissions: ['read:job', 'read:node'],
    };
  };
  const token = (claims: Record<string, unknown> = {}, options: { key?: KeyObject; kid?: string } = {}) =>
    signJwt({ ...defaultClaims(), ...claims }, options.key ?? privateKey, { kid: options.kid ?? kid });

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const form = req.method === 'POST' ? await readForm(req) : {};
      requests.push({ method: req.method ?? '', path, form });
      if (path === '/.well-known/jwks.json') {
        const jwk = publicKey.export({ format: 'jwk' });
        send(res, 200, { keys: [{ ...jwk, kid, use: 'sig', alg: 'RS256' }] });
      } else if (path === '/oauth/device/code') {
        pendingLeft = behaviour.pending ?? 0;
        send(res, 200, {
          device_code: 'device-code-1',
          user_code: 'WDJB-MJHT',
          verification_uri: `${url}/activate`,
          verification_uri_complete: `${url}/activate?user_code=WDJB-MJHT`,
          expires_in: behaviour.expiresIn ?? 300,
          interval: behaviour.interval ?? 1,
        });
      } else if (path === '/oauth/token') {
        const form = behaviour.formEncoded === true;
        if (behaviour.error !== undefined) {
          send(res, 403, { error: behaviour.error, error_description: 'the user said no' }, form);
        } else if (pendingLeft > 0) {
          pendingLeft--;
          send(res, 400, { error: 'authorization_pending' }, form);
        } else {
          send(
            res,
            200,
            { access_token: token(behaviour.claims), token_type: 'Bearer', expires_in: 3600 },
            form,
          );
        }
      } else {
        send(res, 404, { error: 'not_found' });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    issuer: `${url}/`,
    audience,
    clientID,
    settings: [
      'API.Auth.Oauth2.ProviderID=fake',
      'API.Auth.Oauth2.ProviderName=Fake IdP',
      `API.Auth.Oauth2.DeviceAuthorizationEndpoint=${url}/oauth/device/code`,
      `API.Auth.Oauth2.TokenEndpoint=${url}/oauth/token`,
      `API.Auth.Oauth2.JWKSUri=${url}/.well-known/jwks.json`,
      `API.Auth.Oauth2.Issuer=${url}/`,
      `API.Auth.Oauth2.Audience=${audience}`,
      `API.Auth.Oauth2.DeviceClientID=${clientID}`,
      'API.Auth.Oauth2.Scopes=openid,profile',
    ],
    requests,
    behave(next) {
      behaviour = next;
    },
    token,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
