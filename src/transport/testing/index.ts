/** Helpers for tests and benchmarks of anything that talks through the transport. */
export * from './fake-compute-node.js';
export * from './fixtures.js';
export * from './recorder.js';
