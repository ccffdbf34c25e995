/**
 * `GET /api/v1/orchestrator/jobs/{id}/logs` over WebSocket (Go's `logs` / `BaseEndpoint.ReadLogs`).
 *
 * Frames are Go's `AsyncResult[ExecutionLog]`: `{"value":{"Type":1|2,"Line":"…"}}`; an error is one frame
 * `{"error":"…","value":{"Type":0,"Line":""}}` (plus, not in Go, `"hint"` when the failure has one); the
 * server then closes with 1000 (normal closure). A stopping server closes open streams with 1001.
 * The execution is the requested one, else the most recently modified one that was not discarded.
 * A followed stream whose execution ended here, or whose node connected again, while its node stays
 * silent (it died or restarted) ends a few seconds later with an error frame saying so, rather than when
 * the node's silence is noticed.
 *
 * Until the compute side streams logs (`ApiLogSource`), a job that has executions gets the error frame
 * `failed to open log stream for job <id>: log streaming is not available on this node yet`.
 * A plain HTTP request (no upgrade) is a 400. An ended execution whose node cannot be reached is
 * answered from the output its result recorded (see recordedOutput).
 */
import { Type } from '@sinclair/typebox';
import type { WebSocket } from 'ws';
import { BacalhauError, ErrorCode, errorMessage } from '../../../models/bacerrors.js';
import type { Execution } from '../../../models/execution.js';
import { shortNodeID } from '../../../models/ids.js';
import { isDiscardedExecutionState, isTerminalExecutionState, stateText } from '../../../models/state.js';
import { logFrameSchema, type LogFrame } from '../../apimodels/wire.js';
import { requestError } from '../errors.js';
import { goJson, wire } from '../json.js';
import { namespaceParam, parseQuery, versionedParams } from '../query.js';
import { defineRoute, type RouteDef } from '../route.js';
import type { ApiJobReader, ApiLogSource, ApiNodeService } from '../types.js';
import { JobsTag } from './jobs.js';
import { anySignal } from '../../../lib/any-signal.js';

const logsQuery = Type.Object({
  namespace: namespaceParam(),
  execution_id: Type.Optional(Type.String({ description: 'The execution (full ID or unique prefix)' })),
  tail: Type.Optional(
    Type.Boolean({ description: 'Skip the output produced so far: only what comes next (with follow)' }),
  ),
  follow: Type.Optional(Type.Boolean({ description: 'Keep streaming until the execution ends' })),
  ...versionedParams(),
});

/** The JSON schema of one frame, for the document. */
const frameJsonSchema = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'Present on the last frame when the stream failed' },
    hint: { type: 'string', description: 'What to do about the error, when known (not in Go)' },
    value: {
      type: 'object',
      properties: {
        Type: { type: 'integer', enum: [0, 1, 2], description: '1 stdout, 2 stderr (0 in error frames)' },
        Line: { type: 'string' },
      },
    },
  },
};

export const NoLogSourceMessage = 'log streaming is not available on this node yet';

export function frameText(frame: LogFrame): string {
  return goJson(wire(frame, logFrameSchema));
}

/** Go's execution choice: the requested one, else the latest non-discarded one by ModifyTime. */
function chooseExecution(executions: readonly Execution[], requested: string): Execution | undefined {
  if (requested !== '') {
    const exact = executions.find((e) => e.ID === requested);
    if (exact !== undefined) return exact;
    // bacalhau-ts also accepts a unique prefix (the CLI shows short IDs); Go needs the full ID.
    const matches = executions.filter((e) => e.ID.startsWith(requested));
    return matches.length === 1 ? matches[0] : undefined;
  }
  // Go's choice: the latest that is not discarded. Not in Go: else the latest that failed or was
  // cancelled (a stopped service), whose log says what it did (Go answers "unable to find execution").
  return (
    latestOf(executions.filter((e) => !isDiscardedExecutionState(e.ComputeState.StateType))) ??
    latestOf(executions.filter((e) => ['Failed', 'Cancelled'].includes(e.ComputeState.StateType)))
  );
}

/**
 * Every execution of the job was rejected or discarded before its task ran: none has a log. Says why
 * the last one was, when its node said (a job followed from its submission stops here).
 */
function noExecutionRan(jobID: string, executions: readonly Execution[]): BacalhauError {
  const reason = latestOf(executions)?.ComputeState.Message ?? '';
  return new BacalhauError(
    `no execution of job ${jobID} ran its task: each was rejected or discarded first` +
      (reason === '' ? '' : ` (the last: ${reason})`),
    {
      code: ErrorCode.NotFound,
      component: 'LogStream',
      hint: `bacalhau job executions ${jobID} says why`,
    },
  );
}

function latestOf(executions: readonly Execution[]): Execution | undefined {
  let latest: Execution | undefined;
  for (const execution of executions) {
    if (latest === undefined || execution.ModifyTime > latest.ModifyTime) latest = execution;
  }
  return latest;
}

/**
 * Bytes a stream may leave queued on its socket before it waits for the client to read them. Past it,
 * lines are pulled from their source only as fast as the client reads: a client on a slow link, or one
 * that stopped reading, would otherwise have a large log piled up in the server's memory.
 */
const SocketHighWaterBytes = 1024 * 1024;

/** Sends `text`; with the socket's queue past the high-water mark, resolves once it is written out. */
function sendFrame(socket: WebSocket, text: string, signal: AbortSignal): Promise<void> {
  if (socket.readyState !== socket.OPEN || signal.aborted) return Promise.resolve();
  if (socket.bufferedAmount < SocketHighWaterBytes) {
    socket.send(text);
    return Promise.resolve();
  }
  // the send's callback runs once this frame, and so everything queued before it, has been written
  // out (or the socket failed); a client that goes away closes the socket, which aborts `signal`
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    socket.send(text, done);
  });
}

/**
 * An ended execution's output as its node reported it with its result (`RunOutput`), for when the
 * node cannot be reached any more (stopped, gone, its network down): stdout, then stderr, and an
 * error frame after them when either was cut to what a result keeps. Undefined when the failure is
 * not the node's silence, or the execution has no output on record (it did not run its task). Not in
 * Go, which fails the stream (a TODO there).
 */
function recordedOutput(execution: Execution, failure: Error): LogFrame[] | undefined {
  const output = execution.RunOutput;
  const state = execution.ComputeState.StateType;
  if (
    output === undefined ||
    !isTerminalExecutionState(state) ||
    (state !== 'Completed' && output.Stdout + output.stderr === '') ||
    !(failure instanceof BacalhauError && failure.code === ErrorCode.NetworkFailure)
  ) {
    return undefined;
  }
  const frames: LogFrame[] = [];
  if (output.Stdout !== '') frames.push({ value: { Type: 1, Line: output.Stdout } });
  if (output.stderr !== '') frames.push({ value: { Type: 2, Line: output.stderr } });
  if (output.StdoutTruncated || output.StderrTruncated) {
    frames.push(
      errorFrame(
        `${failure.message}; above is the output execution ${execution.ID} reported when it ended, cut to ` +
          'what a result keeps (stdout first, then stderr)',
        `the whole log is on node ${shortNodeID(execution.NodeID)}: read it again once the node is back`,
      ),
    );
  }
  return frames;
}

/** The frame a failed stream ends with; `hint` is ours, not Go's. */
function errorFrame(error: string, hint = ''): LogFrame {
  return { error, ...(hint === '' ? {} : { hint }), value: { Type: 0, Line: '' } };
}

/**
 * How long a followed stream may stay silent once its execution ended, for its last lines to come, or
 * once its node connected again.
 */
export const EndedStreamGraceMs = 3000;

/**
 * Aborts `stale` (its reason an error saying why) when the stream can no longer be trusted to end by
 * itself and its node then sends nothing for {@link EndedStreamGraceMs}: once the execution has ended
 * in the store (a node that died never ends the stream), or once the node has connected again since the
 * stream opened (`connectedSince` then: a node that restarted, a daemon's say, re-attaches its task but
 * knows nothing of the stream the previous process served). Without it the client would wait until the
 * node's silence is noticed (30 s). `heard` rearms the wait (a long log still arriving is not cut);
 * `hold` suspends it while the stream waits for its client (a slow reader is not the node's silence);
 * `stop` ends the watch.
 */
function endWhenStale(
  jobs: ApiJobReader,
  execution: Execution,
  connectedSince: string | undefined,
  stale: AbortController,
): { heard: () => void; hold: () => void; stop: () => void } {
  let why: BacalhauError | undefined;
  let timer: NodeJS.Timeout | undefined;
  let holding = false;
  const arm = (): void => {
    if (why === undefined || holding) return;
    const reason = why;
    clearTimeout(timer);
    timer = setTimeout(() => stale.abort(reason), EndedStreamGraceMs);
  };
  const suspect = (reason: BacalhauError): void => {
    if (why !== undefined) return;
    why = reason;
    arm();
  };
  const observe = (state: Execution['ComputeState']): void => {
    if (!isTerminalExecutionState(state.StateType)) return;
    suspect(
      new BacalhauError(
        `execution ${execution.ID} ended (${stateText(state)}) and its node sent nothing more`,
      ),
    );
  };
  observe(execution.ComputeState);
  const unsubscribe = jobs.onChange((changes) => {
    for (const change of changes) {
      if (change.execution?.ID === execution.ID) observe(change.execution.ComputeState);
      const node = change.node;
      if (node?.Info.NodeID !== execution.NodeID || connectedSince === undefined) continue;
      if (node.ConnectionState.ConnectedSince !== connectedSince) suspect(nodeConnectedAgain(execution));
    }
  });
  return {
    heard: () => {
      holding = false;
      arm();
    },
    hold: () => {
      holding = true;
      clearTimeout(timer);
    },
    stop: () => {
      unsubscribe();
      clearTimeout(timer);
    },
  };
}

function nodeConnectedAgain(execution: Execution): BacalhauError {
  return new BacalhauError(
    `the node ${shortNodeID(execution.NodeID)} running execution ${execution.ID} connected again ` +
      '(it restarted or lost its connection) and sent nothing more on this stream',
    {
      code: ErrorCode.ServiceUnavailable,
      component: 'LogStream',
      hint: `follow the logs again: bacalhau job logs --follow ${execution.JobID}`,
    },
  );
}

/** When the node last connected, as the node manager has it; undefined when it is not known. */
async function lastConnected(nodes: ApiNodeService, nodeID: string): Promise<string | undefined> {
  try {
    return (await nodes.get(nodeID)).ConnectionState.ConnectedSince;
  } catch {
    return undefined;
  }
}

export function logRoutes(deps: {
  jobs: ApiJobReader;
  nodes: ApiNodeService;
  logs?: ApiLogSource;
}): RouteDef[] {
  const { jobs } = deps;

  async function stream(
    socket: WebSocket,
    id: string,
    rawQuery: unknown,
    signal: AbortSignal,
  ): Promise<void> {
    const send = (frame: LogFrame): Promise<void> => sendFrame(socket, frameText(frame), signal);
    try {
      const query = parseQuery(logsQuery, rawQuery);
      const job = await jobs.getJobByIDOrName(id, query.namespace ?? '');
      const version = query.job_version ?? 0;
      try {
        const executions = await jobs.listExecutions({
          jobID: job.ID,
          ...(version === 0 ? {} : { jobVersion: version }),
          allJobVersions: true,
        });
        if (executions.length === 0) {
          throw new Error(
            `no executions found for job ${job.Name} with ID ${job.ID}, and version ${version}`,
          );
        }
        const requested = query.execution_id ?? '';
        const execution = chooseExecution(executions, requested);
        if (execution === undefined) {
          // Go's words name the requested execution; with none requested they would name nobody
          if (requested === '') throw noExecutionRan(job.ID, executions);
          throw new Error(
            `unable to find execution ${requested} in job ${job.ID} and job version ${job.Version}`,
          );
        }
        if (deps.logs === undefined) throw new Error(NoLogSourceMessage);
        const follow = query.follow ?? false;
        const stale = new AbortController();
        const watch = follow
          ? endWhenStale(jobs, execution, await lastConnected(deps.nodes, execution.NodeID), stale)
          : undefined;
        try {
          const lines = deps.logs.streamLogs(
            {
              ExecutionID: execution.ID,
              NodeID: execution.NodeID,
              Tail: query.tail ?? false,
              Follow: follow,
            },
            { signal: anySignal([signal, stale.signal]) },
          );
          let sent = false;
          for await (const item of lines) {
            if (signal.aborted) return;
            if (stale.signal.aborted) break;
            if (item.error !== undefined) {
              const recorded =
                sent || query.tail === true ? undefined : recordedOutput(execution, item.error);
              for (const frame of recorded ?? []) await send(frame);
              if (recorded === undefined) {
                await send(
                  errorFrame(item.error.message, item.error instanceof BacalhauError ? item.error.hint : ''),
                );
              }
              return;
            }
            watch?.hold();
            await send({ value: item.value });
            sent = true;
            watch?.heard();
          }
        } catch (err) {
          if (!stale.signal.aborted) throw err;
        } finally {
          watch?.stop();
        }
        if (stale.signal.aborted && !signal.aborted) {
          const reason = stale.signal.reason as BacalhauError;
          await send(errorFrame(reason.message, reason.hint));
        }
      } catch (err) {
        throw BacalhauError.wrap(err, `failed to open log stream for job ${job.ID}`);
      }
    } catch (err) {
      await send(errorFrame(errorMessage(err), err instanceof BacalhauError ? err.hint : ''));
    } finally {
      if (socket.readyState === socket.OPEN) socket.close(1000);
    }
  }

  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/orchestrator/jobs/:id/logs',
      operationId: 'orchestrator/logs',
      summary: 'Streams the logs of a job execution over WebSocket.',
      description:
        'Upgrade to WebSocket. Each text frame is `{"value":{"Type":1|2,"Line":"…"}}` (1 stdout, 2 stderr); ' +
        'a failure is one last frame `{"error":"…","value":{"Type":0,"Line":""}}`; the server closes with 1000.',
      tags: [JobsTag],
      idDescription: 'Job name, full job ID or unique job ID prefix',
      query: logsQuery,
      response: {
        jsonSchema: frameJsonSchema,
        description: 'Switching Protocols to WebSocket (frames as described)',
      },
      handler() {
        return Promise.reject(
          requestError('the logs of a job are streamed over WebSocket: send an Upgrade: websocket request', {
            hint: 'Use `bacalhau job logs <id>` or a WebSocket client',
          }),
        );
      },
      async wsHandler(socket, { id, request, signal }) {
        await stream(socket, id, request.query, signal);
      },
    }),
  ];
}
