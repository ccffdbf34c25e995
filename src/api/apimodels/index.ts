/** Wire shapes, paths and headers of the HTTP API v1, shared by the server and the client. Browser-safe. */
export * from './constants.js';
export * from './paging-token.js';
export * from './wire.js';
