/**
 * The settings a node warns of at start because it does not serve them yet, where Bacalhau does.
 */
import { methodsNeedingRego } from '../api/server/index.js';
import type { BacalhauConfig } from '../config/index.js';
import { isDisabled } from './compute.js';

/** Settings Bacalhau honours and this node cannot yet: said at start rather than ignored in silence. */
export function unservedSettings(config: BacalhauConfig): string[] {
  const unserved: string[] = [];
  if (config.WebUI.Enabled) {
    unserved.push(
      `WebUI.Enabled: bacalhau-ts does not serve the web UI yet, so nothing listens on ${config.WebUI.Listen}; ` +
        "to use Bacalhau's web UI, serve its build from a reverse proxy that also forwards /api/ " +
        "(WebSocket upgrades included) to this node's API, as Bacalhau's UI server does",
    );
  }
  for (const name of methodsNeedingRego(config.API.Auth)) {
    unserved.push(
      `API.Auth.Methods.${name}: its policy is Rego, which bacalhau-ts cannot evaluate yet, so the method is ` +
        'not offered (a client naming it is told so); the challenge type without a PolicyPath works, as do ' +
        'API.Auth.Users with passwords or API keys',
    );
  }
  if (config.Orchestrator.Enabled && config.Orchestrator.SupportReverseProxy) {
    unserved.push(
      'Orchestrator.SupportReverseProxy: bacalhau-ts does not support it yet, so its NATS server takes ' +
        'no plain connections from a TLS-terminating proxy while it serves TLS itself',
    );
  }
  unserved.push(...unservedProviders(config));
  return unserved;
}

/**
 * Providers Bacalhau sets up from their config and bacalhau-ts does not have yet: without a word, the
 * operator would only see jobs that use them go unplaced.
 */
function unservedProviders(config: BacalhauConfig): string[] {
  const unserved: string[] = [];
  const { InputSources, Publishers } = config;
  if (config.Compute.Enabled) {
    if (InputSources.Types.IPFS.Endpoint !== '' && !isDisabled('ipfs', InputSources.Disabled)) {
      unserved.push(
        'InputSources.Types.IPFS.Endpoint: bacalhau-ts cannot read IPFS inputs yet, so this node ' +
          'does not offer the ipfs input source and takes no job with an IPFS input',
      );
    }
    if (Publishers.Types.IPFS.Endpoint !== '' && !isDisabled('ipfs', Publishers.Disabled)) {
      unserved.push(
        'Publishers.Types.IPFS.Endpoint: bacalhau-ts cannot publish to IPFS yet, so this node ' +
          'does not offer the ipfs publisher and takes no job that publishes there',
      );
    }
  }
  if (Publishers.Types.S3Managed.Bucket !== '' && !isDisabled('s3managed', Publishers.Disabled)) {
    unserved.push(
      'Publishers.Types.S3Managed.Bucket: bacalhau-ts has no managed S3 publisher yet, so no ' +
        'bacalhau-ts compute node takes a job that publishes with s3managed',
    );
  }
  return unserved;
}
