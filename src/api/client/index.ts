/** The typed REST client of the HTTP API v1, for the CLI and the web UI. Browser-safe. */
export * from './client.js';
export { AuthApi, basicAuthorization } from './auth.js';
export { isCutShort } from './log-close.js';
export {
  HttpTransport,
  ClientComponent,
  type CallOptions,
  type ClientOptions,
  type WebSocketFactory,
  type WebSocketLike,
} from './transport.js';
export * from '../apimodels/index.js';
