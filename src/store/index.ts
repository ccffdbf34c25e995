/** The orchestrator's persistence: the JobStore seam, its errors, and the SQLite implementation. */
export type * from './types.js';
export * from './errors.js';
export { SqliteJobStore, type SqliteJobStoreOptions } from './sqlite/sqlite-store.js';
