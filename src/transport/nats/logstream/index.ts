export { NatsLogStreamServer } from './server.js';
export type { LogLineSource, NatsLogStreamServerOptions, NatsLogStreamServerState } from './server.js';
export { NatsLogStreamClient } from './client.js';
export type { NatsLogStreamClientOptions, NatsLogStreamClientState } from './client.js';
export type { ExecutionLogResult } from './consumer-stream.js';
export {
  DefaultHeartbeatIntervalMs,
  DefaultHeartbeatTimeoutMs,
  DefaultLogRequestTimeoutMs,
} from './options.js';
export { CloseCode, ExecutionLogsMethod, logRequestSubject } from './wire.js';
export type { ExecutionLogsRequest } from './wire.js';
