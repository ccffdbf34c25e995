/**
 * Marks on the timeline when each Docker Engine API call of the followed job is answered ("docker:
 * POST /containers/{id}/start"), to see which calls the Docker executor's time goes to. Every dockerode
 * request goes through its modem's `dial(options, callback)`; the modem's prototype is patched, as the
 * executor's own dockerode client is private to it. Calls made outside a followed job (the raw
 * baseline's) land in marks that the next `begin` drops.
 */
import type Docker from 'dockerode';
import type { Timeline } from './timeline.js';

type Dial = (options: { method?: string; path?: string }, callback: (...args: unknown[]) => void) => unknown;

/** `/v1.41/containers/3f2a…/start?` → `POST /containers/{id}/start`: one name for one kind of call. */
function callName(method = 'GET', path = ''): string {
  const route = path
    .replace(/\?.*$/u, '')
    .replace(/^\/v[\d.]+/u, '')
    .replace(/^\/containers\/(?!create$|json$)[^/]+/u, '/containers/{id}');
  return `${method} ${route}`;
}

/**
 * Calls `listener` with the name of every Engine API call any dockerode client of this process makes,
 * when the daemon answers it; until the returned function is called.
 */
export function onDaemonCall(docker: Docker, listener: (call: string) => void): () => void {
  const modem = Object.getPrototypeOf((docker as unknown as { modem: object }).modem) as { dial: Dial };
  const dial = modem.dial;
  modem.dial = function (this: unknown, options, callback) {
    const name = callName(options.method, options.path);
    return dial.call(this, options, (...args: unknown[]) => {
      listener(name);
      callback(...args);
    });
  };
  return () => {
    modem.dial = dial;
  };
}

export function timeDockerApi(docker: Docker, timeline: Timeline): void {
  onDaemonCall(docker, (call) => timeline.markEach(`docker: ${call}`));
}
