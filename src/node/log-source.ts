/**
 * The API's log source in one process: executions of the embedded compute node are read from it
 * directly. Executions on other nodes need a transport that carries log streams (NATS).
 */
import type { ApiLogSource, ExecutionLogResult, ExecutionLogsRequest } from '../api/server/types.js';
import type { ComputeNode } from '../compute/node.js';
import { errorMessage } from '../models/bacerrors.js';

export function localLogSource(node: ComputeNode): ApiLogSource {
  return {
    async *streamLogs(
      request: ExecutionLogsRequest,
      options: { signal: AbortSignal },
    ): AsyncIterable<ExecutionLogResult> {
      if (request.NodeID !== node.nodeID) {
        yield { error: new Error(`node ${request.NodeID} is not reachable for logs from this orchestrator`) };
        return;
      }
      try {
        for await (const value of node.streamLogs(request, options)) yield { value };
      } catch (err) {
        // a BacalhauError as it is: its hint travels to the client (see the logs route)
        if (!options.signal.aborted)
          yield { error: err instanceof Error ? err : new Error(errorMessage(err)) };
      }
    },
  };
}
