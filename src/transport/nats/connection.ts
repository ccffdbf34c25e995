/**
 * Opening a NATS connection the way Bacalhau does (servers plus an auth token, or `nats://<token>@host`
 * URLs), with failures as BacalhauErrors that name the setting to fix, and watching a connection go
 * down and come back.
 */
import { certificateProblem, isOutOfDate } from '../../lib/certificate-problem.js';
import { connect, errors as natsErrors } from '@nats-io/transport-node';
import type { NatsConnection, TlsOptions } from '@nats-io/transport-node';
import { checkServerIdentity as checkTlsServerIdentity, type PeerCertificate } from 'node:tls';
import { BacalhauError, ErrorCode, errorMessage } from '../../models/index.js';
import { abortedError, throwIfAborted, TransportComponent } from '../errors.js';
import { hideCredentials } from '../../lib/address-credentials.js';

/** The NATS connection of a transport: an open one to share, or where to dial one of its own. */
export interface NatsConnectionOptions {
  /** An open connection. The transport uses it as is and never closes it. */
  connection?: NatsConnection;
  /**
   * Otherwise, the servers to dial (`Compute.Orchestrators`): `nats://host:4222`, or with the token in
   * the URL as Bacalhau accepts it, `nats://<token>@host:4222`. The transport closes what it dialled.
   */
  servers?: string | readonly string[];
  /** The auth token (`Compute.Auth.Token` / `Orchestrator.Auth.Token`); wins over a token in a URL. */
  token?: string;
  /** The client name the server's monitoring shows. */
  name?: string;
  /**
   * TLS to the server: the CA that signed its certificate (`Compute.TLS.CACert`,
   * `Orchestrator.TLS.CACert`; the system's CAs when absent). Given at all, or a `tls://` server, TLS is
   * required: a server without TLS is refused (`Compute.TLS.RequireTLS`).
   */
  tls?: { caFile?: string };
  /**
   * How long a server has to answer a new connection (ms); default 5000. A NATS server answers at once;
   * something else on that port (an HTTP API, a firewall that drops packets) never does, and nats.js
   * would wait 20 s by itself (Go's client waits 2 s).
   */
  connectTimeoutMs?: number;
  /** Between reconnect attempts of a dialled connection (ms); default 2000. It retries forever. */
  reconnectTimeWaitMs?: number;
}

const DefaultConnectTimeoutMs = 5000;

/** The setting that holds the token on each side, for error messages. */
export type TokenSetting = 'Compute.Auth.Token' | 'Orchestrator.Auth.Token';

/**
 * Dials the servers of `options`.
 * @throws BacalhauError: Unauthorized when the server refuses the token (`nats: Authorization
 *   Violation`), NetworkFailure (retryable) when no server can be reached, RequestCancelled.
 */
export async function dialNats(
  options: NatsConnectionOptions & { servers: string | readonly string[] },
  tokenSetting: TokenSetting,
  signal?: AbortSignal,
): Promise<NatsConnection> {
  throwIfAborted(signal);
  const urls = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  const parsed = urls.map(splitCredentials);
  const credentials = parsed.find((p) => p.token !== undefined || p.user !== undefined);
  // An empty setting is none (Go adds nats.Token only for a non-empty secret): the URL's token counts.
  const token = options.token || credentials?.token;
  const connectTimeoutMs = options.connectTimeoutMs ?? DefaultConnectTimeoutMs;
  // a tls:// address asks for TLS, as Go's client takes it; nats.js alone would dial it in plain text
  const tls = options.tls ?? (urls.some((url) => /^tls:\/\//i.test(url)) ? {} : undefined);
  const dialing = connect({
    servers: parsed.map((p) => p.server),
    ...(token === undefined || token === '' ? {} : { token }),
    ...(credentials?.user === undefined ? {} : { user: credentials.user, pass: credentials.pass ?? '' }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(tls === undefined ? {} : { tls: tlsOptions(tls, parsed) }),
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 2000,
    timeout: connectTimeoutMs,
  });
  try {
    if (signal === undefined) return await dialing;
    return await new Promise<NatsConnection>((resolve, reject) => {
      const onAbort = (): void => {
        reject(abortedError(signal));
        dialing.then(
          (nc) => nc.close(),
          () => undefined,
        );
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void dialing.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  } catch (err) {
    const gaveCredentials = (token !== undefined && token !== '') || credentials?.user !== undefined;
    // the refused credentials are the setting's when it has one, else those written in the address
    const credentialsFrom =
      !options.token && credentials !== undefined
        ? `the credentials in ${serversSetting(tokenSetting)}`
        : tokenSetting;
    throw dialError(err, { urls, tokenSetting, credentialsFrom, gaveCredentials, connectTimeoutMs });
  }
}

/**
 * nats.js TLS options. nats.js upgrades to TLS with no server name when the server is given by IP
 * address, so Node checks the certificate against "localhost"; checking it against the configured
 * hosts instead accepts a certificate issued for the address the node was told to use.
 */
function tlsOptions(tls: { caFile?: string }, servers: readonly ServerCredentials[]): TlsOptions {
  const hosts = servers.map((s) => natsServerHost(s.server)).filter((h) => h !== '');
  const checkServerIdentity = (_host: string, cert: PeerCertificate): Error | undefined => {
    const failures = hosts.map((host) => checkTlsServerIdentity(host, cert));
    return failures.includes(undefined) ? undefined : failures[0];
  };
  // nats.js passes unknown keys through to Node's tls.connect.
  return { ...(tls.caFile === undefined ? {} : { caFile: tls.caFile }), checkServerIdentity } as TlsOptions;
}

/** The host of a NATS server address (`nats://h:p` or `h:p`); '' when the client could not parse it. */
export function natsServerHost(server: string): string {
  try {
    return new URL(server.includes('://') ? server : `nats://${server}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

function dialError(
  err: unknown,
  dial: {
    urls: readonly string[];
    tokenSetting: TokenSetting;
    /** Where the credentials the server saw came from: the token setting or the server addresses. */
    credentialsFrom: string;
    gaveCredentials: boolean;
    connectTimeoutMs: number;
  },
): BacalhauError {
  const { urls, tokenSetting, gaveCredentials } = dial;
  if (err instanceof BacalhauError) return err;
  if (err instanceof natsErrors.AuthorizationError) {
    const problem = gaveCredentials
      ? `the NATS server refused the auth token (${dial.credentialsFrom})`
      : `the NATS server requires an auth token and none was given (${tokenSetting})`;
    return new BacalhauError(`nats: ${err.message}: ${problem}`, {
      code: ErrorCode.Unauthorized,
      component: TransportComponent,
      hint:
        tokenSetting === 'Compute.Auth.Token'
          ? `set ${tokenSetting} (or nats://<token>@host in Compute.Orchestrators) to the orchestrator's Orchestrator.Auth.Token`
          : `set ${tokenSetting} to the token the NATS server was started with`,
      cause: err,
    });
  }
  const where = `cannot connect to NATS at ${urls.map((url) => hideCredentials(url, '***')).join(', ')}`;
  if (err instanceof natsErrors.TimeoutError) {
    return new BacalhauError(`${where}: no NATS server answered within ${dial.connectTimeoutMs / 1000}s`, {
      code: ErrorCode.NetworkFailure,
      component: TransportComponent,
      retryable: true,
      hint: `check that ${serversSetting(tokenSetting)} names the orchestrator's NATS address (port 4222 unless it sets Orchestrator.Port), not its API port`,
      cause: err,
    });
  }
  const certificate = certificateProblem(err);
  if (certificate !== undefined) {
    return new BacalhauError(`${where}: the server's TLS certificate is refused: ${certificate.reason}`, {
      code: ErrorCode.NetworkFailure,
      component: TransportComponent,
      retryable: true,
      hint: isOutOfDate(certificate)
        ? "the NATS server needs a current certificate (or this machine's clock is wrong)"
        : `set ${caSetting(tokenSetting)} to the CA certificate that signed the server's certificate ` +
          '(for a self-signed one, the certificate itself)',
      cause: err,
    });
  }
  // TLS asked for (a CA, RequireTLS, a tls:// address) from a server that has none: no retry helps
  if (/does not support 'tls'/.test(errorMessage(err))) {
    const side = tokenSetting === 'Compute.Auth.Token' ? 'Compute' : 'Orchestrator';
    return new BacalhauError(`${where}: the NATS server does not speak TLS, which this node asks for`, {
      code: ErrorCode.ConfigurationError,
      component: TransportComponent,
      hint:
        'turn TLS on at the orchestrator (Orchestrator.TLS.ServerCert and ServerKey), or connect without it: ' +
        `nats:// addresses${side === 'Compute' ? ', and no Compute.TLS.CACert or RequireTLS' : ' and no Orchestrator.TLS.CACert'}`,
      cause: err,
    });
  }
  const refused = err instanceof natsErrors.ConnectionError && err.message === 'connection refused';
  return new BacalhauError(`${where}: ${errorMessage(err)}`, {
    code: ErrorCode.NetworkFailure,
    component: TransportComponent,
    retryable: true,
    ...(refused ? { hint: refusedHint(tokenSetting) } : {}),
    cause: err,
  });
}

/**
 * Nothing listens at the address. For a compute node, the commonest cause is an orchestrator started
 * as a plain `serve`, which (unlike Go's, an orchestrator only) runs its own compute and no NATS server.
 */
function refusedHint(tokenSetting: TokenSetting): string {
  if (tokenSetting !== 'Compute.Auth.Token')
    return 'check that the NATS servers in Orchestrator.NATS.Servers run';
  return (
    'check that the orchestrator runs with --orchestrator (a plain `serve` accepts no compute nodes) and that ' +
    'Compute.Orchestrators names its NATS address (port 4222 unless it sets Orchestrator.Port)'
  );
}

/** The setting that holds the CA the side dialling trusts, next to the one that holds its token. */
function caSetting(tokenSetting: TokenSetting): string {
  return tokenSetting === 'Compute.Auth.Token' ? 'Compute.TLS.CACert' : 'Orchestrator.TLS.CACert';
}

/** The setting that lists the NATS servers, next to the one that holds their token. */
function serversSetting(tokenSetting: TokenSetting): string {
  return tokenSetting === 'Compute.Auth.Token' ? 'Compute.Orchestrators' : 'Orchestrator.NATS.Servers';
}

interface ServerCredentials {
  server: string;
  token?: string;
  user?: string;
  pass?: string;
}

/** `nats://secret@host:4222` → the server without credentials and token `secret` (user:pass likewise). */
function splitCredentials(url: string): ServerCredentials {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)?([^@/]*)@(.*)$/i.exec(url);
  if (match === null) return { server: url };
  const [, scheme = '', userinfo = '', rest = ''] = match;
  const server = `${scheme}${rest}`;
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { server, token: decodeURIComponent(userinfo) };
  return {
    server,
    user: decodeURIComponent(userinfo.slice(0, colon)),
    pass: decodeURIComponent(userinfo.slice(colon + 1)),
  };
}

/** Receives a connection's loss and recovery. */
export interface ConnectionWatcher {
  /** The connection to the server dropped (it reconnects by itself unless closed). */
  down(): void;
  /** It is connected again, its subscriptions restored. */
  up(): void;
}

/** Calls `watcher` on the connection's status changes until the returned function is called. */
export function watchConnection(nc: NatsConnection, watcher: ConnectionWatcher): () => void {
  const statuses = nc.status();
  void (async () => {
    for await (const status of statuses) {
      if (status.type === 'disconnect' || status.type === 'close') watcher.down();
      else if (status.type === 'reconnect') watcher.up();
    }
  })();
  // nats.js ends a status iterator with stop(); its public type only says AsyncIterable.
  return () => (statuses as Partial<{ stop(): void }>).stop?.();
}
