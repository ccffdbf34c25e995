/**
 * The configuration file of the `nats-server` an orchestrator runs (Bacalhau embeds the same server in
 * its process; we run the Debian/upstream binary). Written as a file, not flags, so the auth token never
 * shows in `ps`. Only what Bacalhau sets: listen address, client advertise, token, TLS, cluster routes.
 * JetStream stays off: Bacalhau keeps its node store there, ours is in SQLite.
 */

export interface NatsServerTLS {
  /** `Orchestrator.TLS.ServerCert`. */
  certFile: string;
  /** `Orchestrator.TLS.ServerKey`. */
  keyFile: string;
  /** `Orchestrator.TLS.ServerTimeout` in seconds; Bacalhau's default is 10. */
  timeoutSeconds?: number;
}

export interface NatsServerCluster {
  name: string;
  host: string;
  port: number;
  advertise?: string;
  /** Other cluster members (`nats://host:port`). */
  peers: readonly string[];
}

export interface NatsServerSettings {
  /** The server name monitoring shows (Bacalhau: the node ID). */
  serverName: string;
  host: string;
  /** 0 = any free port (the server picks; read it from the ports file). */
  port: number;
  /** `Orchestrator.Advertise`: the address compute nodes are told about. */
  clientAdvertise?: string;
  /** `Orchestrator.Auth.Token`; empty = no auth. */
  token?: string;
  tls?: NatsServerTLS;
  /** Only when peers are given, as Bacalhau does. */
  cluster?: NatsServerCluster;
}

/** Bacalhau's `NATSServerDefaultTLSTimeout`. */
export const DefaultServerTLSTimeoutSeconds = 10;

/** The settings as nats-server configuration text. */
export function renderNatsServerConfig(settings: NatsServerSettings): string {
  const lines = [
    `server_name: ${quote(settings.serverName)}`,
    // -1 is nats-server's "pick a free port".
    `listen: ${quote(`${hostForListen(settings.host)}:${settings.port === 0 ? -1 : settings.port}`)}`,
  ];
  if (present(settings.clientAdvertise)) lines.push(`client_advertise: ${quote(settings.clientAdvertise)}`);
  if (present(settings.token)) lines.push(`authorization {`, `  token: ${quote(settings.token)}`, `}`);
  if (settings.tls !== undefined) {
    lines.push(
      `tls {`,
      `  cert_file: ${quote(settings.tls.certFile)}`,
      `  key_file: ${quote(settings.tls.keyFile)}`,
      `  timeout: ${settings.tls.timeoutSeconds ?? DefaultServerTLSTimeoutSeconds}`,
      `}`,
    );
  }
  const cluster = settings.cluster;
  if (cluster !== undefined && cluster.peers.length > 0) {
    lines.push(
      `cluster {`,
      `  name: ${quote(cluster.name)}`,
      `  listen: ${quote(`${hostForListen(cluster.host)}:${cluster.port}`)}`,
      ...(present(cluster.advertise) ? [`  advertise: ${quote(cluster.advertise)}`] : []),
      `  routes: [${cluster.peers.map(quote).join(', ')}]`,
      `}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** nats-server wants IPv6 hosts bracketed in `host:port`. */
function hostForListen(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A double-quoted string in nats-server's config syntax (JSON escapes are understood). */
function quote(value: string): string {
  return JSON.stringify(value);
}
