/**
 * `/api/v1/agent/…` (Go's `endpoint/agent/endpoint.go`, reference 6.3): liveness, version, this node's
 * info, its configuration with secrets redacted, debug information, and the OAuth2 settings clients need.
 */
import { Type } from '@sinclair/typebox';
import { configDocument } from '../../../config/index.js';
import { isPlainObject } from '../../../models/codec.js';
import { goCompareStrings } from '../../../models/go-compat.js';
import type { BuildVersionInfo } from '../../../models/version.js';
import {
  getAgentConfigResponseSchema,
  getAgentNodeAuthConfigResponseSchema,
  getAgentNodeResponseSchema,
  getVersionResponseSchema,
  isAliveResponseSchema,
} from '../../apimodels/wire.js';
import { prettyParam } from '../query.js';
import { defineRoute, type RouteDef } from '../route.js';
import type { ApiAgentDeps } from '../types.js';
import { hideCredentials } from '../../../lib/address-credentials.js';

export const RedactedMask = '********';
const agentUrl = '/api/v1/agent';
const noQuery = () => Type.Object({ pretty: prettyParam() });

/**
 * The configuration as Go serves it (`redactConfigSensitiveInfo`): the compute and orchestrator tokens
 * and every user's password and API key, when set, become `********`. Encoded as Go's encoding/json
 * encodes its config types: empty values are left out (`omitempty`) but structs never are, so a group
 * with nothing set is `{}` (clients index into it). Unlike Go, a token or user:password written into a NATS
 * address (`nats://<token>@host:4222`, the documented alternative to Compute.Auth.Token) is masked too.
 */
export function redactedConfigDocument(config: ApiAgentDeps['config']): Record<string, unknown> {
  const doc = configDocument(config, { omitEmpty: 'json' });
  const at = (obj: unknown, ...path: string[]): Record<string, unknown> | undefined => {
    let cur = obj;
    for (const key of path) cur = isPlainObject(cur) ? cur[key] : undefined;
    return isPlainObject(cur) ? cur : undefined;
  };
  const mask = (obj: Record<string, unknown> | undefined, key: string): void => {
    if (obj !== undefined && typeof obj[key] === 'string' && obj[key] !== '') obj[key] = RedactedMask;
  };
  mask(at(doc, 'Compute', 'Auth'), 'Token');
  mask(at(doc, 'Orchestrator', 'Auth'), 'Token');
  maskUrlCredentials(at(doc, 'Compute'), 'Orchestrators');
  maskUrlCredentials(at(doc, 'Orchestrator', 'NATS'), 'Servers');
  maskUrlCredentials(at(doc, 'Orchestrator', 'Cluster'), 'Peers');
  const users = at(doc, 'API', 'Auth')?.['Users'];
  if (Array.isArray(users)) {
    for (const user of users) {
      if (!isPlainObject(user)) continue;
      mask(user, 'Password');
      mask(user, 'APIKey');
    }
  }
  return doc;
}

/** Replaces the credentials of each address in `obj[key]` (a list) with the mask. */
function maskUrlCredentials(obj: Record<string, unknown> | undefined, key: string): void {
  const urls = obj?.[key];
  if (obj === undefined || !Array.isArray(urls)) return;
  obj[key] = urls.map((url: unknown) => (typeof url === 'string' ? hideCredentials(url, RedactedMask) : url));
}

export function agentRoutes(agent: ApiAgentDeps, buildInfo: BuildVersionInfo): RouteDef[] {
  return [
    defineRoute({
      method: 'GET',
      url: `${agentUrl}/alive`,
      operationId: 'agent/alive',
      summary: 'Reports that the node is alive.',
      tags: ['Ops'],
      query: noQuery(),
      response: isAliveResponseSchema,
      handler: () => Promise.resolve({ body: { Status: 'OK' }, schema: isAliveResponseSchema }),
    }),
    defineRoute({
      method: 'GET',
      url: `${agentUrl}/version`,
      operationId: 'agent/version',
      summary: 'Returns the build version running on the server.',
      tags: ['Ops'],
      query: noQuery(),
      response: getVersionResponseSchema,
      handler: () => Promise.resolve({ body: buildInfo, schema: getVersionResponseSchema }),
    }),
    defineRoute({
      method: 'GET',
      url: `${agentUrl}/node`,
      operationId: 'agent/node',
      summary: 'Returns the info of the node.',
      tags: ['Ops'],
      query: noQuery(),
      response: getAgentNodeResponseSchema,
      async handler() {
        return { body: await agent.nodeInfo(), schema: getAgentNodeResponseSchema };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${agentUrl}/debug`,
      operationId: 'agent/debug',
      summary: 'Returns debug information on what the current node is doing.',
      description: 'An object keyed by component, in key order; a provider that fails is left out.',
      tags: ['Ops'],
      query: noQuery(),
      response: {
        jsonSchema: { type: 'object', additionalProperties: {} },
        description: 'Debug information by component',
      },
      async handler() {
        const found = new Map<string, unknown>();
        for (const provider of agent.debugInfoProviders ?? []) {
          try {
            const info = await provider.getDebugInfo();
            found.set(info.Component, info.Info);
          } catch {
            // Go logs the failure and leaves the component out.
          }
        }
        // Go answers a map, which its JSON encoder writes in key order
        const body = Object.fromEntries([...found].sort(([a], [b]) => goCompareStrings(a, b)));
        return { body, schema: null };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${agentUrl}/config`,
      operationId: 'agent/config',
      summary: 'Returns the current configuration of the node.',
      description: 'Tokens, passwords and API keys are replaced by ********.',
      tags: ['Ops'],
      query: noQuery(),
      response: getAgentConfigResponseSchema,
      handler: () =>
        Promise.resolve({
          body: { config: redactedConfigDocument(agent.config) },
          // Not re-encoded: the document is already in Go's field order (a map kind would sort the keys).
          schema: null,
        }),
    }),
    defineRoute({
      method: 'GET',
      url: `${agentUrl}/authconfig`,
      operationId: 'agent/authconfig',
      summary: 'Returns the OAuth2 configuration of the node.',
      tags: ['Ops'],
      query: noQuery(),
      response: getAgentNodeAuthConfigResponseSchema,
      handler() {
        const doc = configDocument(agent.config, { omitEmpty: 'json' });
        const api = isPlainObject(doc['API']) ? doc['API'] : {};
        const auth = isPlainObject(api['Auth']) ? api['Auth'] : {};
        const oauth2 = isPlainObject(auth['Oauth2']) ? auth['Oauth2'] : {};
        return Promise.resolve({
          body: { Version: '1.0.0', Config: oauth2 },
          schema: null,
        });
      },
    }),
  ];
}
