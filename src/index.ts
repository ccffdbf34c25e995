/** bacalhau-ts as a library: the job model and the config tree. The CLI lives in main.ts. */
export * from './models/index.js';
export * as config from './config/index.js';
