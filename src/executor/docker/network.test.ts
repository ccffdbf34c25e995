import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../models/bacerrors.js';
import type { NetworkConfig } from '../../models/network.js';
import { resolveNetwork, type NetworkCapabilities } from './network.js';

const withBridge: NetworkCapabilities = { bridge: true, httpUnavailable: undefined };
const noBridge: NetworkCapabilities = { bridge: false, httpUnavailable: undefined };

describe('resolveNetwork', () => {
  it.each([
    [{ Type: 'None' }, withBridge, 'none'],
    [{ Type: 'Host' }, noBridge, 'host'],
    [{ Type: 'Full' }, noBridge, 'host'],
    [{ Type: 'Bridge' }, withBridge, 'bridge'],
    [{ Type: 'Default' }, withBridge, 'bridge'],
    [{ Type: 'Default' }, noBridge, 'none'],
    [{ Type: 'HTTP', Domains: ['example.com'] }, noBridge, 'http'],
  ] as [NetworkConfig, NetworkCapabilities, string][])('resolves %j to %s', (config, capabilities, mode) => {
    const resolution = resolveNetwork(config, capabilities);
    expect(resolution.mode).toBe(mode);
    expect(resolution.description).toMatch(new RegExp(`^Network\\.Type ${config.Type}: `));
  });

  it('says which domains an HTTP task reaches', () => {
    expect(
      resolveNetwork({ Type: 'HTTP', Domains: ['b.org', '.a.com', 'x.a.com'] }, noBridge).description,
    ).toBe(
      'Network.Type HTTP: the task reaches only .a.com, b.org over HTTP(S), through a proxy given in ' +
        'HTTP_PROXY and HTTPS_PROXY',
    );
  });

  it.each([
    [
      { Type: 'Bridge' },
      noBridge,
      'Network.Type Bridge: the Docker daemon on this node has no bridge network',
    ],
    [
      { Type: 'HTTP', Domains: ['example.com'] },
      { bridge: true, httpUnavailable: 'it needs root' },
      'Network.Type HTTP is not available on this node: it needs root',
    ],
    [
      { Type: 'HTTP' },
      noBridge,
      'invalid networking configuration, at least one domain is required when HTTP networking is enabled',
    ],
  ] as [NetworkConfig, NetworkCapabilities, string][])('refuses %j', (config, capabilities, message) => {
    expect(() => resolveNetwork(config, capabilities)).toThrow(
      expect.objectContaining({
        message,
        code: ErrorCode.ConfigurationError,
        hint: expect.stringContaining('Task.Network.Type') as string,
      }),
    );
  });
});
