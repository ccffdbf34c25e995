/**
 * The client of the compute benchmarks, in a worker thread: it submits a job with
 * `PUT /api/v1/orchestrator/jobs` and waits for a terminal state, as a user's CLI would from another
 * process. In its own thread, its requests' client-side work (fetch, JSON) does not run on the event
 * loop of the node it measures; the server side of every request still does, which is why the polling
 * interval is a trade-off (see job-run.ts).
 *
 * The wait is short polling of `GET /api/v1/orchestrator/jobs/:id` every `pollMs`: the API offers no
 * long-poll of a job's state (the history cursor answers at once as well).
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
const jobs = workerData.baseUrl + '/api/v1/orchestrator/jobs';
const terminal = new Set(workerData.terminal);
const now = () => performance.timeOrigin + performance.now();
async function json(response) {
  const body = await response.json();
  if (!response.ok) throw new Error(response.status + ' ' + JSON.stringify(body));
  return body;
}
async function run({ job, pollMs }) {
  const submitAt = now();
  const put = { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Job: job }) };
  const { JobID } = await json(await fetch(jobs, put));
  const answeredAt = now();
  for (;;) {
    const { Job } = await json(await fetch(jobs + '/' + JobID));
    const { StateType, Message } = Job.State;
    if (terminal.has(StateType)) return { jobID: JobID, state: StateType, message: Message, submitAt, answeredAt, seenAt: now() };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
parentPort.on('message', (request) =>
  run(request).then((result) => parentPort.postMessage({ result }), (err) => parentPort.postMessage({ error: String(err) })),
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
  run(job: object, pollMs: number): Promise<ClientRun> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#worker.once('error', onError);
      this.#worker.once('message', (reply: { result?: ClientRun; error?: string }) => {
        this.#worker.off('error', onError);
        if (reply.result === undefined) return reject(new Error(reply.error));
        // the worker's clock is absolute (its own time origin differs): bring it to this thread's
        const local = (at: number): number => at - performance.timeOrigin;
        const { submitAt, answeredAt, seenAt } = reply.result;
        resolve({
          ...reply.result,
          submitAt: local(submitAt),
          answeredAt: local(answeredAt),
          seenAt: local(seenAt),
        });
      });
      this.#worker.postMessage({ job, pollMs });
    });
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}
