/**
 * The CLI's way to a node: a BacalhauClient for the API address in the configuration (root flags
 * `--api-host`/`--api-port`, env `BACALHAU_API_HOST`/`BACALHAU_API_PORT`, config `API.Host`/`API.Port`),
 * or a connection profile, announcing this build's version (Bacalhau's `util.NewAPIClientManager`).
 * Credentials, first found wins (Go's order): `BACALHAU_API_KEY` or `BACALHAU_API_USERNAME`/
 * `BACALHAU_API_PASSWORD`, the profile's token, the SSO token `auth sso login` saved for the address,
 * the token saved for it in `tokens.json`. Without a credential from the environment or the profile, a
 * 401 runs Bacalhau's login (auth-flow.ts), whose token is saved in `tokens.json` for the address, as Go's
 * CLI saves it, and the request is sent again. TLS: see client-tls.ts.
 */
import type { Command } from 'commander';
import { BacalhauClient } from '../api/client/index.js';
import { nodeTransportOptions } from '../api/client/node/tls.js';
import { readInstallationID, readInstanceID, type BacalhauConfig } from '../config/index.js';
import { buildVersionInfo } from '../lib/build-info.js';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';
import { goQuote } from '../models/go-compat.js';
import { jwtExpiry } from './commands/auth/sso/jwt.js';
import {
  authTokensPath,
  readSavedToken,
  ssoTokensPath,
  writeAuthToken,
} from './commands/auth/sso/token-file.js';
import { runAuthenticationFlow } from './auth-flow.js';
import { tlsSettings } from './client-tls.js';
import { loadCliConfig } from './commands/config/load.js';
import { globalOptions, type CliContext } from './context.js';
import { activeProfile, type ActiveProfile } from './profile/active.js';

export interface CliClient extends CliTarget {
  readonly client: BacalhauClient;
}

/**
 * The base URL of the API: a `http(s)://host[:port]` host is used as is (its port defaulting to
 * `API.Port`); otherwise `http://<host>:<port>` (https with `API.TLS.UseTLS`), with a listen-everywhere
 * host (0.0.0.0) replaced by the loopback address a client can connect to.
 */
export function apiAddress(api: BacalhauConfig['API']): string {
  const host = api.Host.trim();
  if (/^https?:\/\//i.test(host)) {
    try {
      const url = new URL(host);
      if ((url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === '') {
        if (url.port === '') url.port = String(api.Port);
        return url.origin;
      }
    } catch {
      // not a URL after all: treated as a host name below, and the client reports it
    }
  }
  const name = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host;
  const bracketed = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  return `${api.TLS.UseTLS ? 'https' : 'http'}://${bracketed}:${api.Port}`;
}

/** `Authorization` from the environment; Bacalhau refuses an API key mixed with basic credentials. */
function authorization(env: CliContext['env']): string | undefined {
  const apiKey = env['BACALHAU_API_KEY']?.trim() ?? '';
  const username = env['BACALHAU_API_USERNAME']?.trim() ?? '';
  const password = env['BACALHAU_API_PASSWORD']?.trim() ?? '';
  const authError = (message: string): BacalhauError =>
    new BacalhauError(`authentication error: ${message}`, { code: ErrorCode.BadRequest, component: 'CLI' });
  if (apiKey !== '' && (username !== '' || password !== '')) {
    throw authError(
      "can't use both BACALHAU_API_KEY and BACALHAU_API_USERNAME/BACALHAU_API_PASSWORD simultaneously",
    );
  }
  if (apiKey !== '') return `Bearer ${apiKey}`;
  if (username !== '' && password === '') {
    throw authError('BACALHAU_API_USERNAME provided but not BACALHAU_API_PASSWORD');
  }
  if (password !== '' && username === '') {
    throw authError('BACALHAU_API_PASSWORD provided but not BACALHAU_API_USERNAME');
  }
  if (username !== '') return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return undefined;
}

/** A saved token, what it is (for a warning) and how to get a new one. */
interface SavedToken {
  readonly token: string;
  readonly what: string;
  readonly renew: string;
}

/** The token saved in the profile ('' when none): a credential the user gave, as the environment's. */
function profileToken(profile: ActiveProfile | undefined): string {
  return profile?.profile.auth?.token ?? '';
}

/**
 * The tokens that may be sent to `address`, first to use first: the profile's alone when it has one
 * (Go looks no further), else the ones saved in the SSO tokens file and in tokens.json. An unreadable
 * tokens file counts as none.
 */
function savedTokens(
  ctx: CliContext,
  profile: ActiveProfile | undefined,
  dataDir: string,
  address: string,
): SavedToken[] {
  const login = `run '${ctx.binName} auth sso login' for a new one`;
  const token = profileToken(profile);
  if (token !== '')
    return [{ token, what: `the SSO token saved for profile ${goQuote(profile?.name ?? '')}`, renew: login }];
  const files = [
    { path: ssoTokensPath(dataDir), what: `the SSO token saved for ${address}`, renew: login },
    {
      path: authTokensPath(dataDir),
      what: `the token saved for ${address} in ${authTokensPath(dataDir)}`,
      renew: 'the next request the node refuses logs in again',
    },
  ];
  return files.flatMap(({ path, what, renew }) => {
    try {
      const saved = readSavedToken(path, address);
      return saved === undefined ? [] : [{ token: saved, what, renew }];
    } catch {
      return []; // as Go: a broken tokens file only means no token saved there
    }
  });
}

/**
 * `Bearer <saved token>`: the first saved token that has not expired. One past its expiry is not sent:
 * the node would refuse every request carrying it, including those it allows without credentials (Go
 * sends it, and the user sees only "Request Unauthorized"); when none is left, the user is told.
 */
function savedAuthorization(
  ctx: CliContext,
  profile: ActiveProfile | undefined,
  dataDir: string,
  address: string,
): string | undefined {
  let expired: { saved: SavedToken; expiry: Date } | undefined;
  for (const saved of savedTokens(ctx, profile, dataDir, address)) {
    const expiry = jwtExpiry(saved.token);
    if (expiry === undefined || expiry.getTime() > Date.now()) return `Bearer ${saved.token}`;
    expired ??= { saved, expiry };
  }
  if (expired !== undefined) {
    ctx.stderr.write(
      `Warning: ${expired.saved.what} expired at ${expired.expiry.toISOString()}, so requests are sent ` +
        `without it; ${expired.saved.renew}\n`,
    );
  }
  return undefined;
}

/** The node a command talks to: its configuration, the profile in use if any, and the API address. */
export interface CliTarget {
  readonly config: BacalhauConfig;
  /** The API's base URL, e.g. `http://127.0.0.1:1234`. */
  readonly address: string;
  /** The profile the CLI connects with; absent when the configuration's address is used. */
  readonly profile?: ActiveProfile;
}

/**
 * Loads the configuration of `cmd` and finds the API it names, or the active profile's (`--profile`,
 * `BACALHAU_PROFILE`, the current profile) when no API address was set explicitly.
 */
export function cliTarget(ctx: CliContext, cmd: Command): CliTarget {
  const { config } = loadCliConfig(ctx, cmd);
  const profile = activeProfile(config, {
    flag: globalOptions(cmd).profile ?? '',
    env: ctx.env['BACALHAU_PROFILE'] ?? '',
  });
  return {
    config,
    address: profile?.address ?? apiAddress(config.API),
    ...(profile === undefined ? {} : { profile }),
  };
}

/**
 * A client for the node of `cliTarget`. `credentials: false` sends none (Go's unauthenticated client, for
 * the open auth endpoints), so that conflicting credential variables do not stop a command that only
 * reports on them.
 */
export function createCliClient(
  ctx: CliContext,
  cmd: Command,
  options: { credentials?: boolean } = {},
): CliClient {
  const target = cliTarget(ctx, cmd);
  const { config, address, profile } = target;
  let auth: string | undefined;
  let reauthenticate: (() => Promise<string | undefined>) | undefined;
  if (options.credentials !== false) {
    const fromEnv = authorization(ctx.env);
    auth = fromEnv ?? savedAuthorization(ctx, profile, config.DataDir, address);
    // as Go: credentials the user gave (environment, profile) are used as they are, never replaced
    if (fromEnv === undefined && profileToken(profile) === '') {
      reauthenticate = () => login(ctx, cmd, config.DataDir, address);
    }
  }
  const client = new BacalhauClient({
    baseUrl: address,
    clientVersion: buildVersionInfo(),
    // as Go's client: the jobs it submits carry them as bacalhau.org/client.* meta
    installationID: readInstallationID(ctx.env),
    instanceID: readInstanceID(config.DataDir),
    ...(auth === undefined ? {} : { authorization: auth }),
    ...(reauthenticate === undefined ? {} : { reauthenticate }),
    ...(profile?.timeoutMs === undefined ? {} : { timeoutMs: profile.timeoutMs }),
    ...nodeTransportOptions(tlsSettings(ctx, config, profile)),
  });
  return { ...target, client };
}

/**
 * Logs in to the node at `address` (auth-flow.ts, through a client sending no credentials, as the login
 * routes need none) and saves the outcome in `tokens.json`: the new token, or none, so that a refused
 * one is not sent again (Go's `PersistCredential`). Resolves to the `Authorization` to send.
 */
async function login(
  ctx: CliContext,
  cmd: Command,
  dataDir: string,
  address: string,
): Promise<string | undefined> {
  const { client } = createCliClient(ctx, cmd, { credentials: false });
  let token: string | undefined;
  try {
    token = await runAuthenticationFlow(ctx, client.auth, dataDir);
  } finally {
    try {
      writeAuthToken(dataDir, address, token);
    } catch (err) {
      // this command still uses the token; the next one logs in again
      ctx.stderr.write(`Warning: the login's outcome could not be saved: ${errorMessage(err)}\n`);
    }
  }
  return token === undefined ? undefined : `Bearer ${token}`;
}

/** Per-call options: requests end when the user interrupts the command. */
export function callOptions(ctx: CliContext): { signal?: AbortSignal } {
  return ctx.signal === undefined ? {} : { signal: ctx.signal };
}

/**
 * Awaits an API call, prefixing a failure with what was being done (Go's `fmt.Errorf("…: %w")`), unless
 * it is the server's answer (an error with its HTTP status): Go's CLI prints that one's message only.
 */
export async function withContext<T>(call: Promise<T>, doing: string): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof BacalhauError && err.options().httpStatus !== undefined) throw err;
    throw BacalhauError.wrap(err, doing);
  }
}
