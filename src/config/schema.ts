/**
 * The Bacalhau config tree (`pkg/config/types`), one leaf per key, in Go's struct order so YAML output
 * lists keys as Bacalhau does. Defaults are Bacalhau's (`pkg/config/defaults.go`).
 */
import { join } from 'node:path';
import { validateResourcesConfig } from '../models/resources.js';
import {
  capacityCheck,
  regexpListProblem,
  taskTimeoutProblem,
  decodeAuthMethods,
  decodeAuthUsers,
  formatAuthMethods,
  formatAuthUsers,
  type AuthUser,
  type AuthenticatorConfig,
} from './checks.js';
import {
  bool,
  duration,
  int,
  list,
  map,
  object,
  oneOf,
  str,
  port,
  uint,
  type ConfigOf,
  type KeyOf,
} from './leaf.js';

/** `host:port` with a port from 0 to 65535 (the host may be empty: every address). */
function listenAddressProblem(value: string): string | undefined {
  const colon = value.lastIndexOf(':');
  const port = colon < 0 ? '' : value.slice(colon + 1);
  if (/^\d+$/u.test(port) && Number(port) <= 65535) return undefined;
  return `${JSON.stringify(value)} is not host:port with a port from 0 to 65535`;
}

/** Empty (no probe), or an absolute http(s) URL: checked at start, not found at every bid. */
function probeUrlProblem(value: string): string | undefined {
  if (value === '') return undefined;
  const protocol = URL.canParse(value) ? new URL(value).protocol : '';
  if (protocol === 'http:' || protocol === 'https:') return undefined;
  return `${JSON.stringify(value)} is not an absolute http(s) URL`;
}

/**
 * A default task resource is checked as a task's own value is: a bad one is refused where it is set,
 * not found later in every job the node receives (which would blame a field the job never set).
 */
const taskResource =
  (dimension: 'CPU' | 'Memory' | 'Disk' | 'GPU') =>
  (value: string): string | undefined =>
    validateResourcesConfig({ [dimension]: value })[0];

const resources = (kind: string) => ({
  CPU: str(
    `Default CPU for each ${kind} task that sets none, as a Kubernetes quantity (e.g. "500m", "2").`,
    '500m',
    { check: taskResource('CPU') },
  ),
  Memory: str(`Default memory for each ${kind} task that sets none (e.g. "512Mb", "2Gi").`, '512Mb', {
    check: taskResource('Memory'),
  }),
  Disk: str(`Default disk space for each ${kind} task that sets none (e.g. "1Gi").`, undefined, {
    check: taskResource('Disk'),
  }),
  GPU: str(`Default number of GPUs for each ${kind} task that sets none (e.g. "1").`, undefined, {
    check: taskResource('GPU'),
  }),
});

const batchLike = (kind: string) => ({
  Priority: int(`Priority given to ${kind} jobs that do not set one.`),
  Task: {
    Resources: resources(kind),
    Publisher: {
      Type: str(`Publisher used by ${kind} tasks that name none (e.g. "local", "s3", "ipfs").`),
      Params: map(`Parameters of the default publisher for ${kind} tasks, as key=value pairs.`),
    },
    Timeouts: {
      TotalTimeout: duration(
        `Longest a ${kind} task may take overall, retries and queueing included; 0s for no limit.`,
        '0s',
        { check: taskTimeoutProblem },
      ),
      ExecutionTimeout: duration(
        `Longest a single execution of a ${kind} task may run; 0s for no limit.`,
        '0s',
        { check: taskTimeoutProblem },
      ),
    },
  },
});

const longRunning = (kind: string) => ({
  Priority: int(`Priority given to ${kind} jobs that do not set one.`),
  Task: { Resources: resources(kind) },
});

const ipfsEndpoint = (what: string) => ({
  Endpoint: str(`Multiaddress of the IPFS node used ${what}, e.g. /ip4/127.0.0.1/tcp/5001.`),
});

export const schema = {
  API: {
    Host: str('Address the API server listens on, and the client connects to.', '0.0.0.0'),
    Port: port('Port the API server listens on, and the client connects to.', 1234),
    TLS: {
      CertFile: str('Path of the TLS certificate the API server presents.'),
      KeyFile: str('Path of the private key of the API server TLS certificate.'),
      CAFile: str('Path of a CA certificate the client trusts when connecting over TLS.'),
      UseTLS: bool('Whether the client connects to the API over TLS.'),
      Insecure: bool(
        'Whether the client accepts any server certificate (e.g. self-signed) without verifying it.',
        false,
        {
          keepEmpty: true,
          keepEmptyInJson: true,
        },
      ),
      SelfSigned: bool('Whether the API server generates and serves a self-signed certificate.'),
      AutoCert: str('Domain name for which the API server obtains a certificate automatically (ACME).'),
      AutoCertCachePath: str('Directory where automatically obtained certificates are cached.'),
    },
    Auth: {
      Methods: object<Readonly<Record<string, AuthenticatorConfig>>>(
        'Authentication methods offered to clients, by name; each has a Type (challenge, ask) and an optional PolicyPath.',
        { ClientKey: { Type: 'challenge' } },
        decodeAuthMethods,
        { mergeFiles: true, format: formatAuthMethods },
      ),
      AccessPolicyPath: str(
        'Path of the policy file or directory that authorizes API requests; empty allows every request.',
      ),
      Users: object<readonly AuthUser[]>(
        'Users allowed to call the API with a username/password or an API key, and their capabilities.',
        [],
        decodeAuthUsers,
        { format: formatAuthUsers },
      ),
      Oauth2: {
        ProviderID: str('Identifier of the OAuth2/OIDC provider used for single sign-on.'),
        ProviderName: str('Human-readable name of the OAuth2/OIDC provider.'),
        TokenEndpoint: str('URL of the provider endpoint that issues tokens.'),
        JWKSUri: str('URL of the key set used to verify tokens issued by the provider.'),
        Issuer: str('Expected issuer of tokens issued by the provider.'),
        DeviceClientID: str('OAuth2 client ID the CLI uses for the device authorization flow.'),
        Audience: str('Expected audience of tokens issued by the provider.'),
        Scopes: list('OAuth2 scopes the CLI requests when logging in.'),
        DeviceAuthorizationEndpoint: str('URL of the provider endpoint that starts a device authorization.'),
        PollingInterval: int('Seconds between polls of the token endpoint during a device login.'),
      },
    },
  },
  NameProvider: oneOf(
    ['hostname', 'aws', 'gcp', 'uuid', 'puuid'],
    'puuid',
    'How the node name is chosen: hostname, aws, gcp, uuid or puuid.',
  ),
  DataDir: str(
    'Directory where the node and the client keep their state and the default config file.',
    (ctx) => defaultDataDir(ctx.home),
    { envAliases: ['BACALHAU_DIR'] },
  ),
  StrictVersionMatch: bool('Whether the client and server versions must match exactly.'),
  Orchestrator: {
    Enabled: bool('Whether this node runs an orchestrator that accepts and schedules jobs.'),
    Host: str('Address the orchestrator listens on for compute nodes.', '0.0.0.0'),
    Port: port('Port the orchestrator listens on for compute nodes.', 4222),
    Advertise: str('Address other servers are told to reach this orchestrator at.'),
    Auth: {
      Token: str('Shared secret compute nodes must present to connect to this orchestrator.'),
    },
    TLS: {
      ServerKey: str('Path of the private key the orchestrator transport serves TLS with.'),
      ServerCert: str('Path of the certificate the orchestrator transport serves TLS with.'),
      ServerTimeout: int('TLS handshake timeout of the orchestrator transport, in seconds.'),
      CACert: str('Path of a CA certificate the orchestrator trusts when connecting to its transport.'),
    },
    Cluster: {
      Name: str('Name of the orchestrator cluster.'),
      Host: str('Address this orchestrator listens on for other cluster members.'),
      Port: port('Port this orchestrator listens on for other cluster members.'),
      Advertise: str('Address other cluster members are told to reach this orchestrator at.'),
      Peers: list('Cluster members to connect to on startup.'),
    },
    NodeManager: {
      DisconnectTimeout: duration(
        'How long a compute node may go without a heartbeat before it counts as disconnected.',
        // Bacalhau's is 1m; see src/orchestrator/nodes/options.ts for why 20s.
        '20s',
      ),
      ManualApproval: bool('Whether new compute nodes must be approved by hand before they receive work.'),
    },
    Scheduler: {
      WorkerCount: int(
        'Number of evaluations scheduled concurrently (default: number of CPUs).',
        (ctx) => ctx.numCpu,
      ),
      QueueBackoff: duration('How long to wait before scheduling a queued job again.', '1m0s'),
      HousekeepingInterval: duration('How often timed-out and stuck executions are looked for.', '30s'),
      HousekeepingTimeout: duration(
        'Grace period past a job or execution timeout before housekeeping asks for it to be failed.',
        '2m0s',
      ),
    },
    EvaluationBroker: {
      VisibilityTimeout: duration(
        'How long a dequeued evaluation stays invisible before it is handed out again.',
        '1m0s',
      ),
      MaxRetryCount: int('How many times an evaluation is retried before it is failed.', 10),
    },
    SupportReverseProxy: bool('Whether the orchestrator runs behind a reverse proxy.'),
    // bacalhau-ts only: Bacalhau always embeds its NATS server.
    NATS: {
      Servers: list(
        'NATS servers the orchestrator uses instead of running nats-server on Host:Port (bacalhau-ts only).',
      ),
    },
  },
  Compute: {
    Enabled: bool('Whether this node runs a compute node that executes jobs.'),
    Orchestrators: list('Orchestrator endpoints this compute node connects to.', ['nats://127.0.0.1:4222']),
    Network: {
      AdvertisedAddress: str('Address this compute node gives others to reach it; detected when empty.'),
      PortRangeStart: port('First port (inclusive) that may be allocated to jobs.', 20000),
      PortRangeEnd: port('Last port (inclusive) that may be allocated to jobs.', 32000),
    },
    Auth: {
      Token: str('Shared secret presented to the orchestrator when connecting.'),
    },
    Heartbeat: {
      InfoUpdateInterval: duration(
        'How often node information other than resources is sent to the orchestrator.',
        '1m0s',
      ),
      ResourceUpdateInterval: duration('Deprecated: use Compute.Heartbeat.Interval.'),
      // Bacalhau's is 15s; see src/orchestrator/nodes/options.ts for why 5s.
      Interval: duration('How often a heartbeat is sent to the orchestrator.', '5s'),
    },
    AllocatedCapacity: {
      CPU: str('CPU given to jobs: a percentage of the machine ("80%") or an amount ("4", "500m").', '80%', {
        check: capacityCheck('CPU'),
      }),
      Memory: str('Memory given to jobs: a percentage of the machine ("80%") or an amount ("16Gi").', '80%', {
        check: capacityCheck('Memory'),
      }),
      Disk: str(
        'Disk space given to jobs: a percentage of the machine ("80%") or an amount ("100Gi").',
        '80%',
        {
          check: capacityCheck('Disk'),
        },
      ),
      GPU: str(
        'GPUs given to jobs: a percentage of the machine ("100%"; rounded down, at least 1 on a machine with GPUs) or a count ("1").',
        '100%',
        {
          check: capacityCheck('GPU'),
        },
      ),
    },
    AllowListedLocalPaths: list(
      'Host paths jobs may mount as local inputs (append :rw to allow writes).',
      [],
      {
        keepEmpty: true,
      },
    ),
    TLS: {
      CACert: str('Path of a CA certificate this compute node trusts when connecting to the orchestrator.'),
      RequireTLS: bool('Whether this compute node refuses unencrypted connections to the orchestrator.'),
    },
    Env: {
      AllowList: list(
        'Patterns (Go regular expressions) of host environment variables that jobs may receive (e.g. "^AWS_").',
        [],
        { check: regexpListProblem },
      ),
    },
  },
  Labels: map('Key-value labels that describe this node, used by job constraints.'),
  WebUI: {
    Enabled: bool('Whether the node serves the web UI.'),
    Listen: str('Address and port the web UI listens on.', '0.0.0.0:8438', { check: listenAddressProblem }),
    Backend: str('API address the web UI talks to; the node’s own API when empty.'),
  },
  InputSources: {
    Disabled: list('Input source types this node refuses (e.g. "ipfs", "s3").'),
    ReadTimeout: duration('Longest time allowed to fetch one input.', '5m0s'),
    MaxRetryCount: int('How many times fetching an input is attempted.', 3),
    Types: { IPFS: ipfsEndpoint('to fetch inputs') },
  },
  Publishers: {
    Disabled: list('Publisher types this node refuses (e.g. "ipfs", "s3").'),
    Types: {
      IPFS: ipfsEndpoint('to publish results'),
      S3: {
        PreSignedURLDisabled: bool('Whether results published to S3 are downloaded without pre-signed URLs.'),
        PreSignedURLExpiration: duration('How long a pre-signed URL for an S3 result stays valid.'),
      },
      S3Managed: {
        Bucket: str('Bucket the managed S3 publisher writes results to.'),
        Key: str('Optional prefix of the objects the managed S3 publisher writes.'),
        Region: str('Region of the managed S3 publisher bucket.'),
        Endpoint: str('Custom S3 endpoint of the managed S3 publisher.'),
        PreSignedURLExpiration: duration(
          'How long a pre-signed URL for a managed S3 result stays valid.',
          '1h0m0s',
        ),
      },
      Local: {
        Address: str('Address the local publisher serves results on.', '127.0.0.1'),
        Port: port('Port the local publisher serves results on.', 6001),
      },
    },
  },
  Engines: {
    Disabled: list('Execution engines this node refuses (e.g. "docker", "wasm").'),
    Types: {
      Docker: {
        ManifestCache: {
          Size: uint('Number of image manifests kept in the Docker manifest cache.', 1000),
          TTL: duration('How long a cached Docker manifest is used.', '1h0m0s'),
          Refresh: duration('How often cached Docker manifests are refreshed.', '1h0m0s'),
        },
      },
      WASM: {},
    },
  },
  ResultDownloaders: {
    Disabled: list('Result downloader types the client refuses (e.g. "ipfs").'),
    Timeout: duration('Longest time allowed to download one result; 0s for no limit.'),
    Types: { IPFS: ipfsEndpoint('to download results') },
  },
  JobDefaults: {
    Batch: batchLike('batch'),
    Ops: batchLike('ops'),
    Daemon: longRunning('daemon'),
    Service: longRunning('service'),
  },
  JobAdmissionControl: {
    Locality: oneOf(
      ['local', 'anywhere'],
      'anywhere',
      'Which jobs to accept by where their input data is: local or anywhere.',
    ),
    RejectStatelessJobs: bool('Whether to reject jobs that have no inputs.'),
    RejectNetworkedJobs: bool('Whether to reject jobs that need network access.'),
    ProbeHTTP: str('URL asked whether to accept each job; overrides the rules above when set.', undefined, {
      check: probeUrlProblem,
    }),
    ProbeExec: str('Command run to decide whether to accept each job; overrides the rules above when set.'),
  },
  Logging: {
    Level: oneOf(
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic', 'disabled'],
      'info',
      'Lowest level logged: trace, debug, info, warn, error, fatal or panic.',
      { envAliases: ['LOG_LEVEL'] },
    ),
    Mode: oneOf(['default', 'json', 'cmd'], 'default', 'Log format: default (human-readable) or json.'),
    LogDebugInfoInterval: duration('How often debug information about the node is logged.', '30s'),
  },
  UpdateConfig: {
    Interval: duration('Time between checks for a newer version; 0s turns checking off.', '24h0m0s'),
  },
  FeatureFlags: {},
  DisableAnalytics: bool('Whether to stop sending anonymous usage data to the Bacalhau team.'),
} as const;

/** The resolved configuration: every key present, in Bacalhau's PascalCase. */
export type BacalhauConfig = ConfigOf<typeof schema>;

/** A dotted config key in canonical case, e.g. `Orchestrator.NodeManager.DisconnectTimeout`. */
export type ConfigKey = KeyOf<typeof schema>;

/** The default data directory: `~/.bacalhau`. */
export function defaultDataDir(home: string): string {
  return join(home, '.bacalhau');
}
