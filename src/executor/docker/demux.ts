/**
 * Splits the daemon's multiplexed output stream (8-byte header: stream byte, three zero bytes,
 * big-endian uint32 payload length; then the payload) into stdout and stderr pieces, in order.
 *
 * Payloads are passed on as they arrive, not gathered into whole frames, so what is held in memory is
 * bounded by the transport's chunk size whatever length a header announces.
 */
import { ExecutionLogType } from '../../models/execution.js';
import type { LogChunk } from '../types.js';

const HeaderBytes = 8;

export async function* demultiplex(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<LogChunk> {
  let header = Buffer.alloc(0);
  let type: ExecutionLogType = ExecutionLogType.Stdout;
  let remaining = 0; // payload bytes of the current frame still to come
  for await (const chunk of stream) {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (data.length > 0) {
      if (remaining === 0) {
        const needed = HeaderBytes - header.length;
        header = Buffer.concat([header, data.subarray(0, needed)]);
        data = data.subarray(needed);
        if (header.length < HeaderBytes) break;
        // stdin (0) never comes back from the daemon; anything but stderr is the task's stdout
        type = header[0] === ExecutionLogType.Stderr ? ExecutionLogType.Stderr : ExecutionLogType.Stdout;
        remaining = header.readUInt32BE(4);
        header = Buffer.alloc(0);
        continue;
      }
      const payload = data.subarray(0, remaining);
      data = data.subarray(payload.length);
      remaining -= payload.length;
      yield { type, data: payload };
    }
  }
}
