/**
 * The client of the compute benchmarks, in a worker thread: it submits a job with
 * `PUT /api/v1/orchestrator/jobs` and waits for a terminal state, as a user's CLI would from another
 * process, and on the same HTTP stack as the CLI (node:http with keep-alive, as the REST client's
 * `nodeFetch`, which this plain-JavaScript worker cannot import; the built-in fetch took ~0.5 ms more
 * per round trip here). In its own thread, its requests' client-side work does not run on the event
 * loop of the node it measures; the server side of every request still does, which is why polling is
 * a trade-off (see job-run.ts).
 *
 * The wait is a chain of blocking reads (`GET /api/v1/orchestrator/jobs/:id?index=<Revision>`, which
 * answers when the job changes: one request per change, none in between), or with `pollMs` > 0 short
 * polling of the same route every `pollMs`, as a client of a Bacalhau server would have to.
 */
import { Worker } from 'node:worker_threads';
import { JobStateType, isTerminalJobState } from '../../src/models/index.js';

export interface ClientRun {
  jobID: string;
  state: string;
  message: string;
  /** In this thread's `performance.now()` time: before the PUT, its answer, the terminal state seen. */
  submitAt: number;
  answeredAt: number;
  seenAt: number;
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const jobs = workerData.baseUrl + '/api/v1/orchestrator/jobs';
const terminal = new Set(workerData.terminal);
const now = () => performance.timeOrigin + performance.now();
const agent = new http.Agent({ keepAlive: true });
/** The answer's JSON body; an error for a status other than 2xx. */
function json(url, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(JSON.parse(text));
        else reject(new Error(res.statusCode + ' ' + text));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function run({ job, pollMs }) {
  const submitAt = now();
  const { JobID } = await json(jobs, 'PUT', JSON.stringify({ Job: job }));
  const answeredAt = now();
  // a new job is at Revision 1: the first blocking read answers at its first change
  let revision = 1;
  for (;;) {
    const query = pollMs > 0 ? '' : '?index=' + revision + '&wait=25s';
    const { Job } = await json(jobs + '/' + JobID + query);
    const { StateType, Message } = Job.State;
    if (terminal.has(StateType)) return { jobID: JobID, state: StateType, message: Message, submitAt, answeredAt, seenAt: now() };
    revision = Job.Revision;
    if (pollMs > 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
async function roundTrip() {
  const start = performance.now();
  await json(workerData.baseUrl + '/api/v1/agent/alive');
  return performance.now() - start;
}
parentPort.on('message', (request) =>
  (request === 'round-trip' ? roundTrip() : run(request)).then(
    (result) => parentPort.postMessage({ result }),
    (err) => parentPort.postMessage({ error: String(err) }),
  ),
);
`;

export class ClientThread {
  readonly #worker: Worker;

  constructor(baseUrl: string) {
    const terminal = Object.values(JobStateType).filter(isTerminalJobState);
    // execArgv empty: the worker is plain JavaScript and needs no tsx loader
    this.#worker = new Worker(workerSource, { eval: true, workerData: { baseUrl, terminal }, execArgv: [] });
  }

  /** Submits `job` and resolves once the API answers a terminal state. One run at a time. */
  async run(job: object, pollMs: number): Promise<ClientRun> {
    const result = await this.#ask<ClientRun>({ job, pollMs });
    // the worker's clock is absolute (its own time origin differs): bring it to this thread's
    const local = (at: number): number => at - performance.timeOrigin;
    const { submitAt, answeredAt, seenAt } = result;
    return { ...result, submitAt: local(submitAt), answeredAt: local(answeredAt), seenAt: local(seenAt) };
  }

  /**
   * One `GET /api/v1/agent/alive`, timed in the client thread: what any request costs here, the
   * floor under the PUT and the answered GET every job needs.
   */
  roundTrip(): Promise<number> {
    return this.#ask<number>('round-trip');
  }

  #ask<T>(request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#worker.once('error', onError);
      this.#worker.once('message', (reply: { result?: T; error?: string }) => {
        this.#worker.off('error', onError);
        if (reply.result === undefined) reject(new Error(reply.error));
        else resolve(reply.result);
      });
      this.#worker.postMessage(request);
    });
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}
