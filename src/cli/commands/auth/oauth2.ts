/**
 * The node's `API.Auth.Oauth2` as `/api/v1/agent/authconfig` serves it (empty fields left out), read
 * leniently: a field of the wrong type counts as unset.
 */
import type { GetAgentNodeAuthConfigResponse } from '../../../api/client/index.js';

export interface NodeOauth2 {
  readonly ProviderID: string;
  readonly ProviderName: string;
  readonly DeviceAuthorizationEndpoint: string;
  readonly TokenEndpoint: string;
  readonly DeviceClientID: string;
  readonly Audience: string;
  readonly Scopes: readonly string[];
  /** Seconds; 0 = unset. */
  readonly PollingInterval: number;
}

export function nodeOauth2(response: GetAgentNodeAuthConfigResponse): NodeOauth2 {
  const config = response.Config;
  const text = (key: keyof NodeOauth2): string => {
    const value = config[key];
    return typeof value === 'string' ? value : '';
  };
  const scopes = config['Scopes'];
  const interval = config['PollingInterval'];
  return {
    ProviderID: text('ProviderID'),
    ProviderName: text('ProviderName'),
    DeviceAuthorizationEndpoint: text('DeviceAuthorizationEndpoint'),
    TokenEndpoint: text('TokenEndpoint'),
    DeviceClientID: text('DeviceClientID'),
    Audience: text('Audience'),
    Scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
    PollingInterval: typeof interval === 'number' && interval > 0 ? interval : 0,
  };
}
