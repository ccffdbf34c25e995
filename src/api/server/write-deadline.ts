/**
 * Go's `http.Server` WriteTimeout (45 s, `publicapi/config.go`): an answer not written out that long after
 * its request arrived has its connection closed. Without it, a client that read a large answer slowly, or
 * not at all, held the server's copy of it for as long as it liked: ~70 MB each for a list of 500 large
 * jobs (measured; twenty such clients took the node to 1.6 GB, not given back). WebSocket upgrades are
 * not limited: a log stream lasts as long as its execution (Go's hijacked connections are not either).
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import { isUpgrade } from './upgrades.js';

/** Go's WriteTimeout. */
export const WriteDeadlineMs = 45_000;

export function enforceWriteDeadline(
  app: FastifyInstance,
  options: { deadlineMs: number; clock: Clock },
): void {
  if (options.deadlineMs <= 0) return;
  app.addHook('onRequest', (request, reply, done) => {
    // a handshake Node handed to the upgrade path, not any request with an Upgrade header: a client would
    // only have to add one to be let off the deadline
    if (!isUpgrade(request.raw)) {
      const timer = options.clock.setTimer(options.deadlineMs, () => request.raw.socket.destroy());
      // an answer written out, or a connection closed, ends the wait
      reply.raw.once('close', () => timer.cancel());
    }
    done();
  });
}
