/**
 * The CLI's way to a node: a BacalhauClient for the API address in the configuration (root flags
 * `--api-host`/`--api-port`, env `BACALHAU_API_HOST`/`BACALHAU_API_PORT`, config `API.Host`/`API.Port`),
 * or a connection profile, announcing this build's version and the credentials of `BACALHAU_API_KEY` or
 * `BACALHAU_API_USERNAME`/`BACALHAU_API_PASSWORD` or the profile (Bacalhau's `util.NewAPIClientManager`).
 */
import type { Command } from 'commander';
import WebSocket from 'ws';
import { BacalhauClient } from '../api/client/index.js';
import type { BacalhauConfig } from '../config/index.js';
import { buildVersionInfo } from '../lib/build-info.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { loadCliConfig } from './commands/config/load.js';
import { globalOptions, type CliContext } from './context.js';
import { activeProfile } from './profile/active.js';

export interface CliClient {
  readonly client: BacalhauClient;
  readonly config: BacalhauConfig;
  /** The API's base URL, e.g. `http://127.0.0.1:1234`. */
  readonly address: string;
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

/**
 * Loads the configuration of `cmd` and builds a client for the API it names, or for the active profile
 * (`--profile`, `BACALHAU_PROFILE`, the current profile) when no API address was set explicitly.
 * Credentials: the environment's, else the profile's token.
 */
export function createCliClient(ctx: CliContext, cmd: Command): CliClient {
  const { config } = loadCliConfig(ctx, cmd);
  const profile = activeProfile(config, {
    flag: globalOptions(cmd).profile ?? '',
    env: ctx.env['BACALHAU_PROFILE'] ?? '',
  });
  const address = profile?.address ?? apiAddress(config.API);
  const token = profile?.profile.auth?.token ?? '';
  const auth = authorization(ctx.env) ?? (token === '' ? undefined : `Bearer ${token}`);
  const client = new BacalhauClient({
    baseUrl: address,
    clientVersion: buildVersionInfo(),
    ...(auth === undefined ? {} : { authorization: auth }),
    ...(profile?.timeoutMs === undefined ? {} : { timeoutMs: profile.timeoutMs }),
    webSocket: (url, headers) => new WebSocket(url, { headers }),
  });
  return { client, config, address };
}

/** Per-call options: requests end when the user interrupts the command. */
export function callOptions(ctx: CliContext): { signal?: AbortSignal } {
  return ctx.signal === undefined ? {} : { signal: ctx.signal };
}

/** Awaits an API call, prefixing a failure with what was being done (Go's `fmt.Errorf("…: %w")`). */
export async function withContext<T>(call: Promise<T>, doing: string): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw BacalhauError.wrap(err, doing);
  }
}
