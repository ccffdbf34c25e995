/** Wire shapes, paths and headers of the HTTP API v1, shared by the server and the client. Browser-safe. */
export * from './auth.js';
export * from './base64.js';
export * from './constants.js';
export * from './paging-token.js';
export * from './wire.js';
