/** The HTTP API v1 server. See ../README.md. */
export { createApiServer, openApiDocument, type ApiServer, type ApiServerOptions } from './server.js';
export type * from './types.js';
export { buildOpenApiDocument } from './openapi.js';
export { redactedConfigDocument, RedactedMask } from './routes/agent.js';
export { NoLogSourceMessage } from './routes/logs.js';
export { methodsNeedingRego } from './authn/methods.js';
