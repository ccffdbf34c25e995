/**
 * The task's network (reference §1.4) as Docker settings. `resolveNetwork` turns `Network.Type` into the
 * concrete mode this node provides, with a sentence the compute node records in the job's history;
 * `networkSettings` turns that mode into the container's host config and environment.
 *
 * Default is Docker's bridge, as in Bacalhau, but falls back to no network when the daemon has no
 * bridge network (dockerd `--bridge=none`): a job that did not ask for a network still runs.
 */
import type Docker from 'dockerode';
import { NetworkType, domainSet, type NetworkConfig } from '../../models/network.js';
import { networkUnavailable } from './errors.js';

export type DockerNetworkMode = 'none' | 'host' | 'bridge' | 'http';

export interface NetworkResolution {
  mode: DockerNetworkMode;
  /** What the task gets and why, in one sentence (for the job's history). */
  description: string;
}

/** What the node can provide besides none and host. */
export interface NetworkCapabilities {
  /** Whether the daemon has its default `bridge` network. */
  bridge: boolean;
  /** Why HTTP mode cannot run here, or undefined when it can. */
  httpUnavailable: string | undefined;
}

const bridgeFix = 'to Default, None, Host or HTTP, or give the Docker daemon a bridge network';

/** @throws BacalhauError (ConfigurationError) when the mode cannot be provided here. */
export function resolveNetwork(config: NetworkConfig, capabilities: NetworkCapabilities): NetworkResolution {
  switch (config.Type) {
    case NetworkType.None:
      return { mode: 'none', description: 'Network.Type None: the task has no network, only loopback' };
    case NetworkType.Host:
    case NetworkType.Full:
      return {
        mode: 'host',
        description: `Network.Type ${config.Type}: the task shares the network of the node's host`,
      };
    case NetworkType.Bridge:
      if (!capabilities.bridge) {
        throw networkUnavailable(
          'Network.Type Bridge: the Docker daemon on this node has no bridge network',
          bridgeFix,
        );
      }
      return {
        mode: 'bridge',
        description: 'Network.Type Bridge: the task runs on the Docker bridge network',
      };
    case NetworkType.Default:
      return capabilities.bridge
        ? { mode: 'bridge', description: 'Network.Type Default: the task runs on the Docker bridge network' }
        : {
            mode: 'none',
            description:
              'Network.Type Default: the Docker daemon on this node has no bridge network, so the task ' +
              'has no network, only loopback',
          };
    case NetworkType.HTTP:
      return resolveHttp(config, capabilities);
  }
}

function resolveHttp(config: NetworkConfig, capabilities: NetworkCapabilities): NetworkResolution {
  if (capabilities.httpUnavailable !== undefined) {
    throw networkUnavailable(
      `Network.Type HTTP is not available on this node: ${capabilities.httpUnavailable}`,
      'to None, Host or Default, or run the compute node as root on the Docker host',
    );
  }
  const domains = domainSet(config);
  if (domains.length === 0) {
    throw networkUnavailable(
      'invalid networking configuration, at least one domain is required when HTTP networking is enabled',
      'HTTP with the domains the task may reach in Task.Network.Domains (a leading "." allows subdomains)',
    );
  }
  return {
    mode: 'http',
    description:
      `Network.Type HTTP: the task reaches only ${domains.join(', ')} over HTTP(S), through a proxy ` +
      'given in HTTP_PROXY and HTTPS_PROXY',
  };
}

/** Where the job's environment finds the HTTP proxy, in both spellings tools read. */
export function proxyEnv(proxyUrl: string): Record<string, string> {
  return { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, http_proxy: proxyUrl, https_proxy: proxyUrl };
}

/** The Docker settings of a resolved mode. */
export interface NetworkSettings {
  hostConfig: Pick<Docker.HostConfig, 'NetworkMode' | 'ExtraHosts' | 'PortBindings'>;
  exposedPorts?: Record<string, object>;
  networkDisabled: boolean;
}

/**
 * `sandboxID` is the container whose network namespace an HTTP-mode task joins. `host.docker.internal`
 * is added as in Bacalhau, but only when the daemon has a bridge: its `host-gateway` is the bridge's
 * gateway, and without one Docker writes a broken hosts entry.
 */
export function networkSettings(
  mode: DockerNetworkMode,
  config: NetworkConfig,
  options: { bridge: boolean; sandboxID?: string },
): NetworkSettings {
  const extraHosts = options.bridge ? { ExtraHosts: ['host.docker.internal:host-gateway'] } : {};
  switch (mode) {
    case 'none':
      return { hostConfig: { NetworkMode: 'none' }, networkDisabled: true };
    case 'host':
      return { hostConfig: { NetworkMode: 'host', ...extraHosts }, networkDisabled: false };
    case 'http':
      if (options.sandboxID === undefined) throw new Error('HTTP network mode needs a sandbox container');
      return { hostConfig: { NetworkMode: `container:${options.sandboxID}` }, networkDisabled: false };
    case 'bridge': {
      const { bindings, exposed } = bridgePorts(config);
      return {
        hostConfig: { NetworkMode: 'bridge', ...extraHosts, ...(bindings && { PortBindings: bindings }) },
        ...(exposed && { exposedPorts: exposed }),
        networkDisabled: false,
      };
    }
  }
}

/** Go's bridge port bindings: container port `Target` (else the host port) published on `Static`. */
function bridgePorts(config: NetworkConfig): { bindings?: Docker.PortMap; exposed?: Record<string, object> } {
  const ports = config.Ports ?? [];
  if (ports.length === 0) return {};
  const bindings: Docker.PortMap = {};
  const exposed: Record<string, object> = {};
  for (const port of ports) {
    const key = `${port.Target || port.Static || 0}/tcp`;
    bindings[key] = [{ HostIp: port.HostNetwork || '0.0.0.0', HostPort: String(port.Static ?? 0) }];
    exposed[key] = {};
  }
  return { bindings, exposed };
}
