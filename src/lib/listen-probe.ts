/**
 * Whether a port can be listened on, found by listening on it and closing at once: the error a real
 * listen would get (EADDRINUSE, EADDRNOTAVAIL, EACCES, ...), or undefined when it would succeed.
 */
import { createServer } from 'node:net';

/** `host` undefined: every interface (Go: `net.Listen("tcp", ":port")`). */
export function listenProbe(port: number, host?: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
