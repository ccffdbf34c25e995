/**
 * `/api/v1/auth` (Go's `endpoint/auth`, reference 6.3): the configured authentication methods, each one's
 * requirement, and authentication with one of them. A name that is not configured is an unknown route
 * (Go registers one route per method). A failed authentication is a 401 whose body is the
 * `AuthnResponse`, not an APIError, as in Go.
 */
import { Type } from '@sinclair/typebox';
import {
  authnRequestSchema,
  authnResponseSchema,
  listAuthnMethodsResponseSchema,
  requirementSchema,
  type AuthnRequestBody,
  type Requirement,
} from '../../apimodels/auth.js';
import { ApiPath } from '../../apimodels/constants.js';
import { UnsupportedMethod } from '../authn/methods.js';
import type { Authenticator } from '../authn/types.js';
import { decodeBody } from '../body.js';
import { routeNotFound } from '../errors.js';
import { prettyParam } from '../query.js';
import { defineRoute, type RouteDef } from '../route.js';

const AuthTag = 'Auth';
const nameDescription = 'Name of the authentication method (a key of API.Auth.Methods)';
const noQuery = () => Type.Object({ pretty: prettyParam() });

export function authRoutes(methods: ReadonlyMap<string, Authenticator>): RouteDef[] {
  const method = (name: string): Authenticator => {
    const found = methods.get(name);
    if (found === undefined) throw routeNotFound();
    return found;
  };
  return [
    defineRoute({
      method: 'GET',
      url: ApiPath.auth,
      operationId: 'auth/listMethods',
      summary: 'Lists the authentication methods and how to use each.',
      description:
        'Empty when API.Auth.Users or API.Auth.Oauth2 is configured: use Basic credentials or an API key then.',
      tags: [AuthTag],
      query: noQuery(),
      response: listAuthnMethodsResponseSchema,
      async handler() {
        const listed: Record<string, Requirement> = {};
        for (const [name, authenticator] of methods) {
          if (authenticator instanceof UnsupportedMethod) continue;
          listed[name] = await authenticator.requirement();
        }
        return { body: { NextToken: '', Methods: listed }, schema: listAuthnMethodsResponseSchema };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${ApiPath.auth}/:id`,
      operationId: 'auth/getMethod',
      summary: 'Returns how to authenticate with one method.',
      tags: [AuthTag],
      idDescription: nameDescription,
      query: noQuery(),
      response: requirementSchema,
      errors: [404, 501],
      async handler({ id }) {
        return { body: await method(id).requirement(), schema: requirementSchema };
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${ApiPath.auth}/:id`,
      operationId: 'auth/authenticate',
      summary: 'Authenticates with one method; a success carries the token to send as Bearer.',
      tags: [AuthTag],
      idDescription: nameDescription,
      query: noQuery(),
      body: authnRequestSchema,
      response: authnResponseSchema,
      otherResponses: [
        { status: 401, description: 'Authentication failed: the reason', schema: authnResponseSchema },
      ],
      errors: [404, 501],
      async handler({ id, body }) {
        const authenticator = method(id);
        const request = decodeBody<AuthnRequestBody>(body, authnRequestSchema());
        const authentication = await authenticator.authenticate(request.MethodData ?? new Uint8Array());
        return {
          body: { Authentication: authentication },
          schema: authnResponseSchema,
          status: authentication.success ? 200 : 401,
        };
      },
    }),
  ];
}
