/**
 * Which capability a request needs (Go's `authz/capabilities.go`): the path's resource type by longest
 * prefix, read for GET and write for every other method; users hold capabilities such as `read:job`,
 * `write:*` or `*`.
 */
import type { AuthUser } from '../../../config/index.js';

export type ResourceType = 'node' | 'job' | 'agent' | 'open';

/**
 * Go's `GetDefaultEndpointPermissions`, plus the OpenAPI document (bacalhau-ts only), which describes the
 * API and nothing about this node. Matching is a plain string prefix, as in Go: `/api/v1/authx` is open.
 */
const endpointPermissions: ReadonlyMap<string, ResourceType> = new Map([
  ['/api/v1/auth', 'open'],
  ['/api/v1/version', 'open'],
  ['/api/v1/openapi.json', 'open'],
  ['/api/v1/agent', 'agent'],
  ['/api/v1/agent/alive', 'open'],
  ['/api/v1/agent/version', 'open'],
  ['/api/v1/agent/authconfig', 'open'],
  ['/api/v1/orchestrator/jobs', 'job'],
  ['/api/v1/orchestrator/nodes', 'node'],
]);

/** The resource type of the longest matching prefix; undefined when none matches. */
export function resourceTypeOf(path: string): ResourceType | undefined {
  let longest = '';
  let found: ResourceType | undefined;
  for (const [prefix, type] of endpointPermissions) {
    if (prefix.length > longest.length && path.startsWith(prefix)) {
      longest = prefix;
      found = type;
    }
  }
  return found;
}

/** A path no prefix matches needs `write:node`, the strongest capability, as in Go. */
export function requiredCapability(resource: ResourceType | undefined, method: string): string {
  const access = method === 'GET' ? 'read' : 'write';
  switch (resource) {
    case 'node':
    case 'job':
    case 'agent':
      return `${access}:${resource}`;
    case 'open':
    case undefined:
      return 'write:node';
  }
}

export function hasCapability(user: AuthUser, capability: string): boolean {
  const isRead = capability.startsWith('read:');
  return (user.Capabilities ?? []).some((granted) =>
    (granted.Actions ?? []).some(
      (action) =>
        action === '*' ||
        action === capability ||
        (isRead && action === 'read:*') ||
        (!isRead && action === 'write:*'),
    ),
  );
}
