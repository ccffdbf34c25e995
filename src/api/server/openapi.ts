/**
 * The OpenAPI 3.0 document, generated from the route descriptions: query parameters from their TypeBox
 * schemas, bodies and answers from the models' codec schemas (the very ones the server encodes with), so
 * the document cannot drift from the wire. Served at `GET /api/v1/openapi.json`.
 *
 * Unlike Bacalhau's hand-maintained swagger.json, enums are typed as they travel: job states, network
 * types, node types and history types as strings, execution states and log types as integers.
 */
import type { TSchema } from '@sinclair/typebox';
import { struct, type Kind, type StructSchema } from '../../models/codec.js';
import { networkTypeCodes } from '../../models/network.js';
import { jobSchema } from '../../models/schemas.js';
import { executionDesiredStateCodes, executionStateCodes, JobStateType } from '../../models/state.js';
import { apiErrorSchema } from '../apimodels/wire.js';
import { resourceTypeOf } from './authz/capabilities.js';
import type { RouteDef } from './route.js';

type JsonSchema = Record<string, unknown>;

/** Request fields the server decodes free-form but that have a model's shape. */
const documentedFieldKinds: Record<string, Kind> = {
  'PutJobRequest.Job': struct(jobSchema),
  'DiffJobRequest.Job': struct(jobSchema),
};

const customSchemas: Record<string, JsonSchema> = {
  JobStateType: { type: 'string', enum: Object.values(JobStateType) },
  ExecutionStateType: {
    type: 'integer',
    enum: executionStateCodes.map((_, i) => i),
    description: executionStateCodes.map((name, i) => `${i} ${name}`).join(', '),
  },
  ExecutionDesiredStateType: {
    type: 'integer',
    enum: executionDesiredStateCodes.map((_, i) => i),
    description: executionDesiredStateCodes.map((name, i) => `${i} ${name}`).join(', '),
  },
  Network: { type: 'string', enum: [...networkTypeCodes] },
  NodeType: { type: 'string', enum: ['Requester', 'Compute'] },
  NodeMembershipState: { type: 'string', enum: ['PENDING', 'APPROVED', 'REJECTED'] },
  NodeConnectionState: { type: 'string', enum: ['CONNECTED', 'DISCONNECTED'] },
  JobHistoryType: { type: 'string', enum: ['Undefined', 'JobLevel', 'ExecutionLevel'] },
  '[]byte': { type: 'string', format: 'byte', nullable: true },
};

/** Component names must match `^[a-zA-Z0-9._-]+$`: `State[JobStateType]` → `State_JobStateType`. */
export function componentName(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]+/g, '_').replace(/_+$/, '');
}

class SchemaRegistry {
  readonly schemas: Record<string, JsonSchema> = {};

  ref(schema: StructSchema): JsonSchema {
    const name = componentName(schema.name);
    if (this.schemas[name] === undefined) {
      this.schemas[name] = {}; // placeholder: recursive types refer to themselves
      this.schemas[name] = this.struct(schema);
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  private struct(schema: StructSchema): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const field of schema.fields) {
      const kind = documentedFieldKinds[`${schema.name}.${field.name}`] ?? field.kind;
      properties[field.name] = this.kind(kind, field.omitEmpty !== true);
    }
    return { type: 'object', title: schema.name, properties };
  }

  kind(kind: Kind, nullable = false): JsonSchema {
    switch (kind.kind) {
      case 'string':
        return { type: 'string' };
      case 'int':
        return { type: 'integer', format: 'int64' };
      case 'uint':
        return { type: 'integer', format: 'int64', minimum: 0 };
      case 'float':
        return { type: 'number', format: 'double' };
      case 'bool':
        return { type: 'boolean' };
      case 'any':
        return {};
      case 'array':
        // Go writes a nil slice as null.
        return { type: 'array', items: this.kind(kind.of), ...(nullable ? { nullable: true } : {}) };
      case 'map':
        return {
          type: 'object',
          additionalProperties: this.kind(kind.of),
          ...(nullable ? { nullable: true } : {}),
        };
      case 'struct':
        return this.ref(kind.schema());
      case 'custom':
        return { ...(customSchemas[kind.goType] ?? {}) };
    }
  }
}

/** A TypeBox schema as plain JSON Schema (TypeBox's symbol keys dropped). */
function plain(schema: TSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

const openApiPath = (url: string): string => url.replace(/:([A-Za-z_]+)/g, '{$1}');

export interface OpenApiInfo {
  /** The server's version (`GitVersion`). */
  version: string;
  /** Absent: every orchestrator route is served. */
  serverUrl?: string;
}

export function buildOpenApiDocument(routes: readonly RouteDef[], info: OpenApiInfo): JsonSchema {
  const registry = new SchemaRegistry();
  const errorRef = registry.ref(apiErrorSchema());
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of routes) {
    const parameters: JsonSchema[] = [];
    if (route.url.includes(':id')) {
      parameters.push({
        name: 'id',
        in: 'path',
        required: true,
        description: route.idDescription ?? '',
        schema: { type: 'string' },
      });
    }
    for (const [name, prop] of Object.entries(route.query.properties as Record<string, TSchema>)) {
      const schema = plain(prop);
      const description = typeof schema['description'] === 'string' ? schema['description'] : undefined;
      delete schema['description'];
      parameters.push({
        name,
        in: 'query',
        required: false,
        ...(description === undefined ? {} : { description }),
        schema,
        ...(schema['type'] === 'array' ? { style: 'form', explode: true } : {}),
      });
    }

    const response =
      typeof route.response === 'function'
        ? { description: 'OK', content: { 'application/json': { schema: registry.ref(route.response()) } } }
        : {
            description: route.response.description,
            content: { 'application/json': { schema: route.response.jsonSchema } },
          };

    // Every route can meet the middleware: the authorizer (except on open paths), the version check (403),
    // the rate limit (429) and the handler timeout (503).
    const auth = resourceTypeOf(route.url) === 'open' ? [] : [401];
    const errorStatuses = new Set([400, ...auth, 403, ...(route.errors ?? []), 429, 500, 503]);
    const responses: Record<string, unknown> =
      route.wsHandler !== undefined ? { '101': response } : { '200': response };
    for (const other of route.otherResponses ?? []) {
      responses[String(other.status)] = {
        description: other.description,
        content: { 'application/json': { schema: registry.ref(other.schema()) } },
      };
    }
    for (const status of [...errorStatuses].sort()) {
      if (responses[String(status)] !== undefined) continue;
      responses[String(status)] = {
        description: errorDescriptions[status] ?? 'Error',
        content: { 'application/json': { schema: errorRef } },
      };
    }

    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: [...route.tags],
      parameters,
      ...(route.body === undefined
        ? {}
        : {
            requestBody: {
              required: false,
              content: { 'application/json': { schema: registry.ref(route.body()) } },
            },
          }),
      responses,
    };
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }

  return {
    openapi: '3.0.3',
    info: {
      title: 'Bacalhau API',
      description:
        'The HTTP API v1 of bacalhau-ts, wire-compatible with Bacalhau. JSON keys are matched ' +
        'case-insensitively on input. Errors are APIError bodies.',
      version: info.version,
      license: { name: 'Apache 2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    ...(info.serverUrl === undefined ? {} : { servers: [{ url: info.serverUrl }] }),
    tags: [
      { name: 'Orchestrator', description: 'Jobs and nodes' },
      { name: 'Ops', description: 'The agent: liveness, version, node info, configuration' },
      { name: 'Auth', description: 'Authentication methods and tokens' },
    ],
    paths,
    components: { schemas: registry.schemas },
  };
}

const errorDescriptions: Record<number, string> = {
  400: 'Bad request: a malformed body or parameter (the message names it), or an invalid job spec',
  401: 'Request Unauthorized: missing or unknown credentials (with API.Auth.Users or Oauth2 configured)',
  403: 'Client version too old, or Request Forbidden: the user lacks the capability the request needs',
  404: 'Unknown job, version, node or authentication method',
  409: 'Conflict with the current state (e.g. stopping a completed job, approving an approved node)',
  429: 'rate limit exceeded',
  500: 'Internal server error',
  501: 'Not implemented by this server (e.g. an authentication method that needs a Rego policy)',
  503: 'Server Timeout!: the handler did not finish in time',
};
