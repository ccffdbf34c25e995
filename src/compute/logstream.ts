/**
 * Serves an execution's logs (Go's `logstream.Server`): the stdout and stderr the executor recorded, in
 * write order, as Bacalhau's `ExecutionLog` items; with `follow` until the execution ends. A request may
 * arrive before the execution reached this node or started running (a `job run --follow` racing the
 * bid and the queue): it waits, on store changes, for the execution to appear (briefly) and to start.
 * An ended execution its executor no longer knows (it ended before this process started, or longer
 * ago than the executor remembers) is served from its log file while the node keeps its folders. One
 * without a log file either ended before its task started (it has none, and the error says how it
 * ended) or ended so long ago that the node removed it (Go waits a minute, then says "timeout").
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BacalhauError, ErrorCode, isTerminalExecutionState, stateText } from '../models/index.js';
import type { Execution, ExecutionLog } from '../models/index.js';
import { LogFile } from '../executor/log-file.js';
import type { Executor, LogChunk } from '../executor/types.js';
import { sleep, type Clock } from '../lib/clock.js';
import type { EngineRegistry } from './engines.js';
import { withNodeLimitHint } from './node-limit-hint.js';
import type { ExecutionStore } from './store/types.js';

export interface ExecutionLogsRequest {
  ExecutionID: string;
  Tail: boolean;
  Follow: boolean;
}

export interface LogServerOptions {
  store: ExecutionStore;
  engines: EngineRegistry;
  /** Where an execution's log file is (ExecutionPaths.logFile). */
  logFile: (executionID: string) => string;
  /** Whether an ended execution's missing log was removed, rather than never written (ExecutionRunner). */
  logRemoved: (execution: Execution) => Promise<boolean>;
  clock: Clock;
  /** How long an execution unknown to the store is waited for. Default 5 s. */
  appearTimeoutMs?: number;
}

const decoder = new TextDecoder();

/** How often the executor is asked again for a Running execution it does not have yet. */
const ExecutorStartPollMs = 50;

/**
 * Lines served between two turns of the event loop. A log already written is read in blocks of
 * thousands of lines, each then taken by promise callbacks alone: two hundred clients replaying a
 * 12,000-line log at once kept the node from anything else for 24 s (its API, its heartbeats, Docker's
 * answers: an execution was failed for a Docker call that timed out meanwhile), and a client that went
 * away was not seen to before its whole replay had been sent (measured).
 */
const LinesPerTurn = 64;

/** The executor has the execution's log from `Running` on; before that there is nothing to read. */
function hasStarted(execution: Execution): boolean {
  const state = execution.ComputeState.StateType;
  return state === 'Running' || state === 'Publishing' || isTerminalExecutionState(state);
}

export async function* streamExecutionLogs(
  options: LogServerOptions,
  request: ExecutionLogsRequest,
  signal: AbortSignal,
): AsyncGenerator<ExecutionLog> {
  const appeared = await waitFor(
    options,
    request.ExecutionID,
    () => true,
    signal,
    options.appearTimeoutMs ?? 5000,
  );
  const execution = request.Follow
    ? await waitFor(options, request.ExecutionID, hasStarted, signal)
    : appeared;
  if (!hasStarted(execution)) return; // nothing written yet, and not asked to wait
  const executor = await options.engines.get(execution.Job?.Tasks[0]?.Engine?.Type ?? '');
  // Tail is "from the request on" (Go reads from the request's time): a task that had not started
  // when asked wrote all of its output after it.
  const tail = request.Tail && hasStarted(appeared);
  const chunks = logChunks(options, executor, execution, { ...request, Tail: tail }, signal);
  let sinceTurn = 0;
  try {
    for await (const chunk of chunks) {
      yield { Type: chunk.type, Line: decoder.decode(chunk.data) };
      if (++sinceTurn === LinesPerTurn) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
  } catch (err) {
    // a log file the node had no descriptor left to open: the user is told what the operator must do
    throw withNodeLimitHint(err);
  }
}

/** From the executor, or from the log file of an ended execution the executor does not know. */
async function* logChunks(
  options: LogServerOptions,
  executor: Executor,
  execution: Execution,
  request: ExecutionLogsRequest,
  signal: AbortSignal,
): AsyncGenerator<LogChunk> {
  let readOptions = { follow: request.Follow, tail: request.Tail, signal };
  let current = execution;
  for (;;) {
    try {
      yield* executor.getLogStream(execution.ID, readOptions);
      return;
    } catch (err) {
      if (!(err instanceof BacalhauError && err.code === ErrorCode.ExecutionNotFound)) throw err;
    }
    if (isTerminalExecutionState(current.ComputeState.StateType)) break;
    if (!request.Follow) return; // not started yet: nothing written, and not asked to wait
    // Running but not known to the executor yet: the runner marks an execution Running, then prepares
    // it (network, ports) before the executor starts it, and no store write says when that happened.
    await sleep(options.clock, ExecutorStartPollMs, { signal });
    current = options.store.find(execution.ID) ?? current;
    // its task starts after the request: what it writes is all after it, tail or not
    readOptions = { ...readOptions, tail: false };
  }
  const ended = await LogFile.readEnded(options.logFile(execution.ID), readOptions);
  if (ended === undefined) throw missingLogError(current, await options.logRemoved(current));
  yield* ended;
}

/** Why an ended execution has no log: it was removed, or the execution ended before its task started. */
function missingLogError(execution: Execution, removed: boolean): BacalhauError {
  if (removed) {
    return new BacalhauError(`the logs of execution ${execution.ID} are no longer kept on this node`, {
      code: ErrorCode.ExecutionNotFound,
      component: 'LogStream',
      hint: "a compute node keeps an execution's logs for an hour after it ends; its stdout and stderr stay in the results (bacalhau job get)",
    });
  }
  return new BacalhauError(
    `execution ${execution.ID} has no logs: it ended (${stateText(execution.ComputeState)}) before its task started`,
    {
      code: ErrorCode.NotFound,
      component: 'LogStream',
      hint: `its history says what happened: bacalhau job history ${execution.JobID}`,
    },
  );
}

/** The execution once `ready` holds for it, re-checked after every store write; no polling. */
function waitFor(
  options: LogServerOptions,
  executionID: string,
  ready: (execution: Execution) => boolean,
  signal: AbortSignal,
  timeoutMs?: number,
): Promise<Execution> {
  return new Promise<Execution>((resolve, reject) => {
    const check = (): boolean => {
      const found = options.store.find(executionID);
      if (found === undefined || !ready(found)) return false;
      cleanup();
      resolve(found);
      return true;
    };
    const fail = (error: unknown): void => {
      cleanup();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const unsubscribe = options.store.onUpsert((upsert) => {
      if (upsert.current.ID === executionID) check();
    });
    const onAbort = (): void => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs === undefined
        ? undefined
        : options.clock.setTimer(timeoutMs, () => {
            if (options.store.find(executionID) !== undefined) return;
            fail(
              new BacalhauError(`execution ${executionID} not found on this compute node`, {
                code: ErrorCode.ExecutionNotFound,
                component: 'LogStream',
                hint: 'a compute node forgets an execution an hour after it ended, with its logs; its stdout and stderr stay in the results (bacalhau job get)',
              }),
            );
          });
    function cleanup(): void {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      timer?.cancel();
    }
    if (signal.aborted) onAbort();
    else check();
  });
}
