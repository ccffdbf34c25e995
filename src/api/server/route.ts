/**
 * One description per route, used twice: to register the route with Fastify (query parsing, body
 * decoding, JSON encoding through the wire schema) and to generate the OpenAPI document (openapi.ts).
 */
import type { Static, TObject } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { StructSchema } from '../../models/codec.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** What a handler gets: the parsed query, the path's `{id}` ('' when the route has none), the raw body. */
export interface RouteInput<Q extends TObject> {
  query: Static<Q>;
  id: string;
  /** The parsed JSON body (undefined when empty); decode it with `decodeBody`. */
  body: unknown;
  request: FastifyRequest;
  /** Aborted when the client goes away before the answer is written. */
  signal: AbortSignal;
}

export interface WebSocketInput {
  id: string;
  request: FastifyRequest;
  /** Aborted when the socket closes. */
  signal: AbortSignal;
}

/** A JSON answer: `body` is encoded through `schema` (Go's field order and omitempty) unless it is null. */
export interface JsonResult {
  body: object;
  schema: (() => StructSchema) | null;
  /** Go's `UnescapedJSON` (results): `<`, `>`, `&` are not escaped. */
  unescaped?: boolean;
  /** Default 200; another status must be one of the route's `otherResponses`. */
  status?: number;
  /**
   * For a list answer that may be long (`body` a json.ts `ListBody`): its items' schema, by which they
   * are encoded and sent a part per turn of the event loop (`goJsonListParts`).
   */
  listItem?: () => StructSchema;
}

export interface RouteDef<Q extends TObject = TObject> {
  method: HttpMethod;
  /** Fastify syntax (`:id`). */
  url: string;
  /** OpenAPI `operationId`, Go's swagger IDs (`orchestrator/putJob`). */
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** Description of the `{id}` path parameter, for routes that have one. */
  idDescription?: string;
  query: Q;
  /** The request body's wire schema (documented; the handler decodes with it). */
  body?: () => StructSchema;
  /** The 200 answer's wire schema, or a JSON schema for free-form answers. */
  response: (() => StructSchema) | { jsonSchema: Record<string, unknown>; description: string };
  /** HTTP statuses the route answers with an APIError, for the document (the middleware's are always listed). */
  errors?: readonly number[];
  /** Answers other than 200 that are not APIErrors (e.g. a failed authentication), for the document. */
  otherResponses?: readonly { status: number; description: string; schema: () => StructSchema }[];
  handler(input: RouteInput<Q>): Promise<JsonResult>;
  /**
   * A WebSocket route: `handler` answers plain HTTP requests, this serves upgraded ones. It reads the query
   * itself (`request.query`), so that a bad parameter becomes an error frame, as in Go.
   */
  wsHandler?: (socket: WebSocket, input: WebSocketInput) => Promise<void>;
}

/** Keeps a route's query type while collecting routes of different queries in one list. */
export function defineRoute<Q extends TObject>(def: RouteDef<Q>): RouteDef {
  return def;
}
