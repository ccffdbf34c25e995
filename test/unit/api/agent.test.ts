/** The agent routes (reference 6.3). */
import { describe, expect, it } from 'vitest';
import { basicAuthorization } from '../../../src/api/client/index.js';
import { at, call, keys, OrchestratorID, serverBuildInfo, withApi, type TestConfig } from './harness.js';

/** Two API users; configuring them makes the server require credentials. */
function withUsers(config: TestConfig): void {
  config.API.Auth.Users = [
    {
      Alias: 'alice',
      Username: 'alice',
      Password: 'hunter2hunter2',
      Capabilities: [{ Actions: ['read:*'] }],
    },
    { Alias: 'bot', APIKey: 'key-123-456-789-abcdefg', Capabilities: [{ Actions: ['*'] }] },
  ];
  config.API.Auth.Oauth2['ProviderID'] = 'auth0';
  // the dialler takes an address without a scheme too (as Go's NATS client does)
  config.Compute.Orchestrators = [
    'nats://secret-token@127.0.0.1:4222',
    'nats://127.0.0.1:4223',
    'secret-too@127.0.0.1:4224',
  ];
  config.Orchestrator.Cluster.Peers = ['nats://user:secret-pass@127.0.0.1:6222'];
}

describe('/api/v1/agent', () => {
  it('alive: {"Status":"OK"}', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v1/agent/alive');
      expect(res.status).toBe(200);
      expect(res.text).toBe('{"Status":"OK"}\n');
    });
  });

  it('version: the flattened BuildVersionInfo', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v1/agent/version');
      expect(keys(res.body)).toEqual([
        'Major',
        'Minor',
        'GitVersion',
        'GitCommit',
        'BuildDate',
        'GOOS',
        'GOARCH',
      ]);
      expect(res.body).toEqual(serverBuildInfo);
    });
  });

  it('node: the flattened NodeInfo of this node', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v1/agent/node');
      expect(keys(res.body)).toEqual([
        'NodeID',
        'NodeType',
        'Labels',
        'SupportedProtocols',
        'ComputeNodeInfo',
        'BacalhauVersion',
      ]);
      expect(res.body.NodeID).toBe(OrchestratorID);
      expect(res.body.NodeType).toBe('Requester');
    });
  });

  it('config: {"config": …} in Go\u2019s field order, tokens, passwords and API keys redacted', async () => {
    await withApi({ config: withUsers }, async (api) => {
      const res = await call(api, 'GET', '/api/v1/agent/config', undefined, {
        Authorization: basicAuthorization('alice', 'hunter2hunter2'),
      });
      expect(keys(res.body)).toEqual(['config']);
      const config = res.body.config;
      expect(keys(config).slice(0, 3)).toEqual(['API', 'NameProvider', 'DataDir']);
      expect(config.Compute.Auth.Token).toBe('********');
      expect(config.Orchestrator.Auth.Token).toBe('********');
      expect(config.API.Auth.Users).toEqual([
        { Alias: 'alice', Username: 'alice', Password: '********', Capabilities: [{ Actions: ['read:*'] }] },
        { Alias: 'bot', APIKey: '********', Capabilities: [{ Actions: ['*'] }] },
      ]);
      // a token in a NATS address, the documented alternative to Compute.Auth.Token (Go shows it)
      expect(at(config, 'Compute', 'Orchestrators')).toEqual([
        'nats://********@127.0.0.1:4222',
        'nats://127.0.0.1:4223',
        '********@127.0.0.1:4224',
      ]);
      expect(at(config, 'Orchestrator', 'Cluster', 'Peers')).toEqual(['nats://********@127.0.0.1:6222']);
      expect(config.API.Port).toBe(1234);
      expect(res.text).not.toMatch(/secret|hunter2|key-123/);
      // The node's own config object is untouched.
      expect((api.config as unknown as { Compute: { Auth: { Token: string } } }).Compute.Auth.Token).toBe(
        'compute-secret',
      );
    });
  });

  it('config: encoded as Go\u2019s encoding/json encodes types.Bacalhau (every struct, empty ones as {})', async () => {
    await withApi({}, async (api) => {
      const config = (await call(api, 'GET', '/api/v1/agent/config')).body.config;
      // omitempty never leaves out a struct, even one without fields
      expect(at(config, 'FeatureFlags')).toEqual({});
      expect(at(config, 'Engines', 'Types', 'WASM')).toEqual({});
      expect(at(config, 'Orchestrator', 'TLS')).toEqual({});
      // Insecure is the one field whose json tag has no omitempty
      expect(at(config, 'API', 'TLS')).toEqual({ Insecure: false });
      // an empty list is left out (json omitempty), where YAML writes AllowListedLocalPaths: []
      expect(keys(config.Compute)).not.toContain('AllowListedLocalPaths');
      expect(keys(config)).toEqual([
        'API',
        'NameProvider',
        'DataDir',
        'Orchestrator',
        'Compute',
        'WebUI',
        'InputSources',
        'Publishers',
        'Engines',
        'ResultDownloaders',
        'JobDefaults',
        'JobAdmissionControl',
        'Logging',
        'UpdateConfig',
        'FeatureFlags',
      ]);
    });
  });

  it('debug: components of the providers that answered, in key order as Go writes its map', async () => {
    await withApi({}, async (api) => {
      const res = await call(api, 'GET', '/api/v1/agent/debug');
      expect(res.body).toEqual({ ActiveJobs: [], NodeManager: { nodes: 0 } });
      expect(keys(res.body)).toEqual(['ActiveJobs', 'NodeManager']);
    });
  });

  it('authconfig: {Version, Config: Oauth2}, open without credentials', async () => {
    await withApi({ config: withUsers }, async (api) => {
      const res = await call(api, 'GET', '/api/v1/agent/authconfig');
      expect(res.body).toEqual({ Version: '1.0.0', Config: { ProviderID: 'auth0' } });
    });
  });
});
