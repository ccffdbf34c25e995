import { describe, expect, expectTypeOf, it } from 'vitest';
import { configKeys, defaultValues, envVarForKey, findKey, suggestKey } from './keys.js';
import { load } from './load.js';
import type { BacalhauConfig, ConfigKey } from './schema.js';
import { fromData } from './values.js';

// The keys of Bacalhau's pkg/config/types/generated_constants.go.
const bacalhauKeys = `API.Auth.AccessPolicyPath API.Auth.Methods API.Auth.Oauth2.Audience
API.Auth.Oauth2.DeviceAuthorizationEndpoint API.Auth.Oauth2.DeviceClientID API.Auth.Oauth2.Issuer
API.Auth.Oauth2.JWKSUri API.Auth.Oauth2.PollingInterval API.Auth.Oauth2.ProviderID API.Auth.Oauth2.ProviderName
API.Auth.Oauth2.Scopes API.Auth.Oauth2.TokenEndpoint API.Auth.Users API.Host API.Port API.TLS.AutoCert
API.TLS.AutoCertCachePath API.TLS.CAFile API.TLS.CertFile API.TLS.Insecure API.TLS.KeyFile API.TLS.SelfSigned
API.TLS.UseTLS Compute.AllocatedCapacity.CPU Compute.AllocatedCapacity.Disk Compute.AllocatedCapacity.GPU
Compute.AllocatedCapacity.Memory Compute.AllowListedLocalPaths Compute.Auth.Token Compute.Enabled
Compute.Env.AllowList Compute.Heartbeat.InfoUpdateInterval Compute.Heartbeat.Interval
Compute.Heartbeat.ResourceUpdateInterval Compute.Network.AdvertisedAddress Compute.Network.PortRangeEnd
Compute.Network.PortRangeStart Compute.Orchestrators Compute.TLS.CACert Compute.TLS.RequireTLS DataDir
DisableAnalytics Engines.Disabled Engines.Types.Docker.ManifestCache.Refresh Engines.Types.Docker.ManifestCache.Size
Engines.Types.Docker.ManifestCache.TTL InputSources.Disabled InputSources.MaxRetryCount InputSources.ReadTimeout
InputSources.Types.IPFS.Endpoint JobAdmissionControl.Locality JobAdmissionControl.ProbeExec
JobAdmissionControl.ProbeHTTP JobAdmissionControl.RejectNetworkedJobs JobAdmissionControl.RejectStatelessJobs
JobDefaults.Batch.Priority JobDefaults.Batch.Task.Publisher.Params JobDefaults.Batch.Task.Publisher.Type
JobDefaults.Batch.Task.Resources.CPU JobDefaults.Batch.Task.Resources.Disk JobDefaults.Batch.Task.Resources.GPU
JobDefaults.Batch.Task.Resources.Memory JobDefaults.Batch.Task.Timeouts.ExecutionTimeout
JobDefaults.Batch.Task.Timeouts.TotalTimeout JobDefaults.Daemon.Priority JobDefaults.Daemon.Task.Resources.CPU
JobDefaults.Daemon.Task.Resources.Disk JobDefaults.Daemon.Task.Resources.GPU JobDefaults.Daemon.Task.Resources.Memory
JobDefaults.Ops.Priority JobDefaults.Ops.Task.Publisher.Params JobDefaults.Ops.Task.Publisher.Type
JobDefaults.Ops.Task.Resources.CPU JobDefaults.Ops.Task.Resources.Disk JobDefaults.Ops.Task.Resources.GPU
JobDefaults.Ops.Task.Resources.Memory JobDefaults.Ops.Task.Timeouts.ExecutionTimeout
JobDefaults.Ops.Task.Timeouts.TotalTimeout JobDefaults.Service.Priority JobDefaults.Service.Task.Resources.CPU
JobDefaults.Service.Task.Resources.Disk JobDefaults.Service.Task.Resources.GPU
JobDefaults.Service.Task.Resources.Memory Labels Logging.Level Logging.LogDebugInfoInterval Logging.Mode NameProvider
Orchestrator.Advertise Orchestrator.Auth.Token Orchestrator.Cluster.Advertise Orchestrator.Cluster.Host
Orchestrator.Cluster.Name Orchestrator.Cluster.Peers Orchestrator.Cluster.Port Orchestrator.Enabled
Orchestrator.EvaluationBroker.MaxRetryCount Orchestrator.EvaluationBroker.VisibilityTimeout Orchestrator.Host
Orchestrator.NodeManager.DisconnectTimeout Orchestrator.NodeManager.ManualApproval Orchestrator.Port
Orchestrator.Scheduler.HousekeepingInterval Orchestrator.Scheduler.HousekeepingTimeout
Orchestrator.Scheduler.QueueBackoff Orchestrator.Scheduler.WorkerCount Orchestrator.SupportReverseProxy
Orchestrator.TLS.CACert Orchestrator.TLS.ServerCert Orchestrator.TLS.ServerKey Orchestrator.TLS.ServerTimeout
Publishers.Disabled Publishers.Types.IPFS.Endpoint Publishers.Types.Local.Address Publishers.Types.Local.Port
Publishers.Types.S3.PreSignedURLDisabled Publishers.Types.S3.PreSignedURLExpiration Publishers.Types.S3Managed.Bucket
Publishers.Types.S3Managed.Endpoint Publishers.Types.S3Managed.Key Publishers.Types.S3Managed.PreSignedURLExpiration
Publishers.Types.S3Managed.Region ResultDownloaders.Disabled ResultDownloaders.Timeout
ResultDownloaders.Types.IPFS.Endpoint StrictVersionMatch UpdateConfig.Interval WebUI.Backend WebUI.Enabled
WebUI.Listen`.split(/\s+/);

const defaults = (): BacalhauConfig => load({ env: {}, home: '/home/test', cwd: '/work', numCpu: 6 });

describe('config schema', () => {
  it('has exactly the keys of Bacalhau, and our few extensions', () => {
    // An orchestrator may use a NATS server it does not run (Bacalhau's always embeds one).
    const extensions = ['Orchestrator.NATS.Servers'];
    expect(configKeys.map((k) => k.key).sort()).toEqual([...bacalhauKeys, ...extensions].sort());
  });

  it('describes every key in one line', () => {
    for (const spec of configKeys) {
      expect(spec.description, spec.key).toMatch(/^\S.*\S$/);
      expect(spec.description, spec.key).not.toContain('\n');
    }
  });

  it('describes the GPU share as the node computes it: rounded down, never below one GPU', () => {
    // Bacalhau's description says "rounded up"; its ResourceScaler (and allocated.ts) truncates.
    const description = findKey('Compute.AllocatedCapacity.GPU')?.description;
    expect(description).toContain('rounded down, at least 1 on a machine with GPUs');
  });

  it('derives env var names and finds keys case-insensitively', () => {
    expect(envVarForKey('API.Port')).toBe('BACALHAU_API_PORT');
    expect(findKey('orchestrator.enabled')?.env).toBe('BACALHAU_ORCHESTRATOR_ENABLED');
    expect(findKey('COMPUTE.ORCHESTRATORS')?.key).toBe('Compute.Orchestrators');
    expect(findKey('api.tls.cafile')?.env).toBe('BACALHAU_API_TLS_CAFILE');
    // no two keys share an env var
    expect(new Set(configKeys.map((k) => k.env)).size).toBe(configKeys.length);
  });

  it('suggests close keys', () => {
    expect(suggestKey('API.Prot')).toBe('API.Port');
    expect(suggestKey('compute.enabeld')).toBe('Compute.Enabled');
    expect(suggestKey('Compute.DisconnectTimeout')).toBe('Orchestrator.NodeManager.DisconnectTimeout');
    expect(suggestKey('totally.unrelated.thing')).toBeUndefined();
  });

  it('types the tree from the schema', () => {
    expectTypeOf<BacalhauConfig['API']['Port']>().toEqualTypeOf<number>();
    expectTypeOf<BacalhauConfig['Compute']['Orchestrators']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<BacalhauConfig['JobAdmissionControl']['Locality']>().toEqualTypeOf<'local' | 'anywhere'>();
    expectTypeOf<'Orchestrator.NodeManager.DisconnectTimeout'>().toExtend<ConfigKey>();
  });
});

describe('defaults (pkg/config/defaults.go)', () => {
  const cfg = defaults();

  it('root', () => {
    expect(cfg.DataDir).toBe('/home/test/.bacalhau');
    expect(cfg.NameProvider).toBe('puuid');
    expect(cfg.StrictVersionMatch).toBe(false);
    expect(cfg.Labels).toEqual({});
    expect(cfg.DisableAnalytics).toBe(false);
    expect(cfg.FeatureFlags).toEqual({});
  });

  it('API', () => {
    expect(cfg.API).toEqual({
      Host: '0.0.0.0',
      Port: 1234,
      TLS: {
        CertFile: '',
        KeyFile: '',
        CAFile: '',
        UseTLS: false,
        Insecure: false,
        SelfSigned: false,
        AutoCert: '',
        AutoCertCachePath: '',
      },
      Auth: {
        Methods: { ClientKey: { Type: 'challenge' } },
        AccessPolicyPath: '',
        Users: [],
        Oauth2: {
          ProviderID: '',
          ProviderName: '',
          TokenEndpoint: '',
          JWKSUri: '',
          Issuer: '',
          DeviceClientID: '',
          Audience: '',
          Scopes: [],
          DeviceAuthorizationEndpoint: '',
          PollingInterval: 0,
        },
      },
    });
  });

  it('Orchestrator', () => {
    expect(cfg.Orchestrator).toEqual({
      Enabled: false,
      Host: '0.0.0.0',
      Port: 4222,
      Advertise: '',
      Auth: { Token: '' },
      TLS: { ServerKey: '', ServerCert: '', ServerTimeout: 0, CACert: '' },
      Cluster: { Name: '', Host: '', Port: 0, Advertise: '', Peers: [] },
      NATS: { Servers: [] },
      NodeManager: { DisconnectTimeout: '20s', ManualApproval: false },
      Scheduler: {
        WorkerCount: 6,
        QueueBackoff: '1m0s',
        HousekeepingInterval: '30s',
        HousekeepingTimeout: '2m0s',
      },
      EvaluationBroker: { VisibilityTimeout: '1m0s', MaxRetryCount: 10 },
      SupportReverseProxy: false,
    });
  });

  it('Compute', () => {
    expect(cfg.Compute).toEqual({
      Enabled: false,
      Orchestrators: ['nats://127.0.0.1:4222'],
      Network: { AdvertisedAddress: '', PortRangeStart: 20000, PortRangeEnd: 32000 },
      Auth: { Token: '' },
      Heartbeat: { InfoUpdateInterval: '1m0s', ResourceUpdateInterval: '0s', Interval: '5s' },
      AllocatedCapacity: { CPU: '80%', Memory: '80%', Disk: '80%', GPU: '100%' },
      AllowListedLocalPaths: [],
      TLS: { CACert: '', RequireTLS: false },
      Env: { AllowList: [] },
    });
  });

  it('JobDefaults', () => {
    const resources = { CPU: '500m', Memory: '512Mb', Disk: '', GPU: '' };
    const batch = {
      Priority: 0,
      Task: {
        Resources: resources,
        Publisher: { Type: '', Params: {} },
        Timeouts: { TotalTimeout: '0s', ExecutionTimeout: '0s' },
      },
    };
    expect(cfg.JobDefaults).toEqual({
      Batch: batch,
      Ops: batch,
      Daemon: { Priority: 0, Task: { Resources: resources } },
      Service: { Priority: 0, Task: { Resources: resources } },
    });
  });

  it('JobAdmissionControl, InputSources, Publishers, Engines, ResultDownloaders', () => {
    expect(cfg.JobAdmissionControl).toEqual({
      Locality: 'anywhere',
      RejectStatelessJobs: false,
      RejectNetworkedJobs: false,
      ProbeHTTP: '',
      ProbeExec: '',
    });
    expect(cfg.InputSources).toEqual({
      Disabled: [],
      ReadTimeout: '5m0s',
      MaxRetryCount: 3,
      Types: { IPFS: { Endpoint: '' } },
    });
    expect(cfg.Publishers).toEqual({
      Disabled: [],
      Types: {
        IPFS: { Endpoint: '' },
        S3: { PreSignedURLDisabled: false, PreSignedURLExpiration: '0s' },
        S3Managed: { Bucket: '', Key: '', Region: '', Endpoint: '', PreSignedURLExpiration: '1h0m0s' },
        Local: { Address: '127.0.0.1', Port: 6001 },
      },
    });
    expect(cfg.Engines).toEqual({
      Disabled: [],
      Types: { Docker: { ManifestCache: { Size: 1000, TTL: '1h0m0s', Refresh: '1h0m0s' } }, WASM: {} },
    });
    expect(cfg.ResultDownloaders).toEqual({ Disabled: [], Timeout: '0s', Types: { IPFS: { Endpoint: '' } } });
  });

  it('Logging, UpdateConfig, WebUI', () => {
    expect(cfg.Logging).toEqual({ Level: 'info', Mode: 'default', LogDebugInfoInterval: '30s' });
    expect(cfg.UpdateConfig).toEqual({ Interval: '24h0m0s' });
    expect(cfg.WebUI).toEqual({ Enabled: false, Listen: '0.0.0.0:8438', Backend: '' });
  });

  it('every default parses as a value of its own key', () => {
    const values = defaultValues({ home: '/h', numCpu: 1 });
    expect(values.size).toBe(configKeys.length);
    for (const spec of configKeys) {
      const value = values.get(spec.key);
      expect(fromData(spec, value), spec.key).toEqual({ ok: true, value });
    }
  });
});
