/**
 * Gives each test file's node processes a host record of local inputs in use of their own
 * (src/executor/local-inputs-on-host.ts): test files run at once in several processes, and one's
 * Docker tasks with writable local inputs would otherwise refuse another's WASM tasks with local
 * inputs, as the host's other node processes' do. The tests of that record set their own folders.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { RegistryEnv } from '../../src/executor/local-inputs-on-host.js';

const folder = join(tmpdir(), 'bacalhau-ts-test-records', randomUUID());
process.env[RegistryEnv] = folder;
afterAll(() => rm(folder, { recursive: true, force: true }));
