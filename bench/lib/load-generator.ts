/**
 * An open-loop HTTP load generator in a worker thread, so that it does not share an event loop with
 * the server it measures. Requests are sent on a fixed schedule whatever the server does, and each
 * latency counts from the moment its request was due, not from when it went out: a server that stalls
 * cannot hide the stall by slowing the generator down ("coordinated omission").
 */
import { Worker } from 'node:worker_threads';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'PUT' | 'POST';
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /**
   * Requests due in this first part of `durationMs` are sent but their latencies not kept (errors
   * still count): the server and the generator warm up under the very load they are measured at.
   */
  warmupMs?: number;
  /**
   * JavaScript source of a function `(i) => string` giving the i-th request's body (requests need
   * unique bodies, e.g. job names); absent for a bodiless request.
   */
  bodySource?: string;
}

export interface LoadResult {
  sent: number;
  /** Latencies in ms of the answered requests, sorted. */
  latenciesMs: number[];
  /** Requests sent after the warm-up. */
  measured: number;
  /** Status codes other than 200, and connection errors, with their counts. */
  errors: Record<string, number>;
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const spec = workerData;
const target = new URL(spec.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const body = spec.bodySource === undefined ? undefined : eval(spec.bodySource);
const latencies = [];
const errors = {};
let sent = 0;
let pending = 0;
const start = performance.now();
const total = Math.floor((spec.rate * spec.durationMs) / 1000);
const warmupMs = spec.warmupMs || 0;
function fire(i, due) {
  pending++;
  const payload = body === undefined ? undefined : body(i);
  const req = http.request(
    { agent, method: spec.method, hostname: target.hostname, port: target.port, path: target.pathname,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
    (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) errors['HTTP ' + res.statusCode] = (errors['HTTP ' + res.statusCode] || 0) + 1;
        else if (due - start >= warmupMs) latencies.push(performance.now() - due);
        done();
      });
    },
  );
  req.on('error', (err) => { errors[err.code || err.message] = (errors[err.code || err.message] || 0) + 1; done(); });
  req.end(payload);
}
function done() {
  pending--;
  if (sent === total && pending === 0) {
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const measured = total - Math.min(total, Math.ceil((spec.rate * warmupMs) / 1000));
    parentPort.postMessage({ sent, measured, latenciesMs: latencies, errors });
  }
}
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - start) * spec.rate) / 1000));
  while (sent < due) {
    fire(sent, start + (sent * 1000) / spec.rate);
    sent++;
  }
  if (sent === total) clearInterval(timer);
}, 1);
`;

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: spec });
    worker.once('message', (result: LoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
