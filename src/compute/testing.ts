/** Test helpers of the compute node's parts. */
import { systemClock, type Clock } from '../lib/clock.js';
import { StorageRegistry } from '../storage/index.js';
import type { EngineRegistry } from './engines.js';
import { hostEnvResolver } from './env.js';
import type { ExecutionPaths } from './paths.js';
import { PortAllocator } from './ports/allocator.js';
import { ExecutionRunner, type ExecutionRunnerOptions } from './runner.js';
import type { ExecutionStore } from './store/types.js';

/**
 * A runner with, unless given, no publisher (publishing fails the test) and no storages, whose background failures
 * are thrown unless `onError` is given; the wall clock, a two-port range and a minute's retention unless given.
 */
export function testRunner(options: {
  store: ExecutionStore;
  engines: EngineRegistry;
  paths: ExecutionPaths;
  /** Default: none. */
  storages?: StorageRegistry;
  /** Default: one that fails the test if it is called. */
  publisher?: ExecutionRunnerOptions['publisher'];
  ports?: PortAllocator;
  clock?: Clock;
  retainOutputMs?: number;
  /** Default: throw what it gets. */
  onError?: (error: unknown) => void;
  defaultNetwork?: ExecutionRunnerOptions['defaultNetwork'];
}): ExecutionRunner {
  return new ExecutionRunner({
    store: options.store,
    engines: options.engines,
    storages: options.storages ?? new StorageRegistry({}),
    publisher: options.publisher ?? { publish: () => Promise.reject(new Error('no publisher expected')) },
    paths: options.paths,
    env: hostEnvResolver([]),
    ports:
      options.ports ??
      new PortAllocator({ rangeStart: 30000, rangeEnd: 30001, probe: () => Promise.resolve(true) }),
    clock: options.clock ?? systemClock,
    retainOutputMs: options.retainOutputMs ?? 60_000,
    ...(options.defaultNetwork && { defaultNetwork: options.defaultNetwork }),
    onError:
      options.onError ??
      ((error) => {
        throw error;
      }),
  });
}
