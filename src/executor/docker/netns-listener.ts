/**
 * A TCP listening socket inside another process's network namespace, owned by this process.
 *
 * Node cannot enter a namespace itself, so a short-lived child does: `nsenter --net` runs a Node
 * script in the target's namespace, which listens on 127.0.0.1:<port> and hands the listening socket
 * to this process over the IPC channel (Node passes server handles between processes), then exits.
 * A socket stays in the namespace it was created in, so connections made inside the namespace arrive
 * here, where the host's network is. Entering a namespace needs root (CAP_SYS_ADMIN).
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:net';
import { abortError, throwIfAborted } from './errors.js';

/** The child's script: listen, hand the server over, exit once it is sent. */
const childScript = `
const server = require('node:net').createServer();
server.on('error', (err) => { process.stderr.write(String(err.message)); process.exit(1); });
server.listen({ host: '127.0.0.1', port: Number(process.argv[1]), exclusive: true }, () => {
  process.send('listening', server, () => process.exit(0));
});
`;

/** Most stderr kept from the child, for the error message. */
const MaxStderr = 4096;

export function listenInNetworkNamespace(pid: number, port: number, signal: AbortSignal): Promise<Server> {
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    // only PATH (to find nsenter): the node's NODE_OPTIONS and loaders stay out of the child
    const child = spawn(
      'nsenter',
      ['--target', String(pid), '--net', process.execPath, '-e', childScript, String(port)],
      {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      },
    );
    let stderr = '';
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      outcome();
    };
    const abort = (): void => {
      child.kill('SIGKILL');
      settle(() => reject(abortError(signal)));
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < MaxStderr) stderr += chunk.toString('utf8').slice(0, MaxStderr - stderr.length);
    });
    child.on('message', (_message, handle) => {
      if (handle !== undefined && 'listen' in handle) settle(() => resolve(handle));
    });
    child.on('error', (err) => settle(() => reject(err)));
    // 'close', not 'exit': it comes after the IPC channel delivered everything the child sent
    child.on('close', (code, childSignal) => {
      const why = stderr.trim() || `exit ${code ?? childSignal}`;
      settle(() => reject(new Error(`listening in the network namespace of process ${pid} failed: ${why}`)));
    });
    signal.addEventListener('abort', abort, { once: true });
  });
}
