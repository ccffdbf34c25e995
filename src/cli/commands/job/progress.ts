/**
 * What `job run` and `job rerun` show after submitting (Bacalhau's `JobProgressPrinter`): the job's
 * events as they happen, then how to look further. Events come from the history cursor: each page's
 * `NextToken` is asked for at once, so events appear as soon as they are stored; only a page that
 * brought nothing new waits, briefly and with backoff, before asking again. The token is empty once
 * the job and its executions are terminal and every event was read. The wait is a blocking read of the job, which a
 * bacalhau-ts server answers as soon as the job changes (so a finished job is seen at once); a
 * Bacalhau server answers at once, and the rest of the wait is slept.
 */
import type { BacalhauClient } from '../../../api/client/index.js';
import type { JobHistory } from '../../../models/job-history.js';
import { JobType } from '../../../models/constants.js';
import { jobTask, type Job } from '../../../models/job.js';
import type { Execution } from '../../../models/execution.js';
import { shortNodeID } from '../../../models/ids.js';
import { isDiscardedExecutionState } from '../../../models/state.js';
import { callOptions } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { unreachableAfterSubmit } from '../../errors.js';
import type { RuntimeSettings } from '../../flags/runtime.js';
import { printError, printWarning } from '../../messages.js';
import { writeInTurn } from '../../output/drain.js';
import { renderTable, Spinner, styles, type Column } from '../../output/index.js';
import { ExitCode } from '../../run.js';
import { GroupedEvents } from './grouped-events.js';
import { progressTimedOut } from './progress-messages.js';
import { historyColumns, isErrorEvent } from './history-columns.js';
import { eitherSignal } from '../../../lib/any-signal.js';
import { timeoutSignal } from '../../../lib/timeout-signal.js';

/** The first wait after an empty page, and the longest (Bacalhau polls every 500 ms). */
const idleWaitMs = { first: 50, max: 500 };

type Outcome = 'finished' | 'timed-out' | 'cancelled';

/** Chooses which events to show: the first, execution events, and job errors until an execution failed. */
class EventFilter {
  #shown = 0;
  #executionErrors = false;

  accept(event: JobHistory): boolean {
    const executionLevel = event.Type === 'ExecutionLevel';
    const error = isErrorEvent(event);
    if (executionLevel && error) this.#executionErrors = true;
    const show = this.#shown === 0 || executionLevel || (error && !this.#executionErrors);
    if (show) this.#shown++;
    return show;
  }

  get first(): boolean {
    return this.#shown === 1;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The topic of the job events that say why it waits (Bacalhau's `Queueing`). */
const QueueingTopic = 'Queueing';

export class JobProgress {
  readonly #ctx: CliContext;
  readonly #client: BacalhauClient;
  readonly #settings: RuntimeSettings;

  constructor(ctx: CliContext, client: BacalhauClient, settings: RuntimeSettings) {
    this.#ctx = ctx;
    this.#client = client;
    this.#settings = settings;
  }

  /**
   * Shows the progress of `job` as the settings ask. Throws ExitCode(1) once everything is printed
   * when the job failed. A server lost meanwhile is reported with the job's ID (the job may run on).
   */
  async show(job: Pick<Job, 'ID' | 'Version' | 'Type'>): Promise<void> {
    const out = this.#ctx.stdout;
    if (!this.#settings.wait) {
      out.write(`${job.ID}\n`);
      return;
    }
    try {
      await this.#showSubmitted(job);
    } catch (err) {
      throw unreachableAfterSubmit(err, this.#ctx.binName, job.ID);
    }
  }

  /** `show` for a job that is waited for. */
  async #showSubmitted(job: Pick<Job, 'ID' | 'Version' | 'Type'>): Promise<void> {
    const out = this.#ctx.stdout;
    const quiet = this.#settings.idOnly;
    if (quiet) out.write(`${job.ID}\n`);
    if (this.#settings.follow) return this.#followLogsToTheEnd(job, quiet);
    if (!quiet) {
      out.write(`Job successfully submitted. Job ID: ${job.ID}\n`);
      out.write(
        'Checking job status... (Enter Ctrl+C to exit at any time, your job will continue running):\n\n',
      );
    }
    const outcome = await this.#follow(job, quiet);
    const failed = await this.#reportOutcome(job.ID, outcome, quiet);
    if (outcome !== 'cancelled') {
      if (this.#settings.nodeDetails) await this.#printNodeDetails(job.ID);
      if (!quiet) await this.#printInstructions(job.ID);
    } else if (!quiet) {
      // After Ctrl+C no more requests: without the server's publisher, the download hint is left out.
      this.#writeInstructions(job.ID, '');
    }
    if (failed) throw new ExitCode(1);
  }

  /** Says how following ended (with the job's reason when `withReason`); true when the job failed. */
  async #reportOutcome(
    jobID: string,
    outcome: Outcome,
    quiet: boolean,
    withReason = false,
  ): Promise<boolean> {
    const out = this.#ctx.stdout;
    if (outcome === 'finished') {
      const { Job: current } = await this.#client.jobs.get({ idOrName: jobID }, callOptions(this.#ctx));
      const state = current.State.StateType;
      const reason = withReason ? (current.State.Message ?? '') : '';
      const said = (what: string): string => (reason === '' ? what : `${what}: ${reason}`);
      if (state === 'Failed') {
        out.write('\n');
        printError(this.#ctx, said('job failed'));
      } else if (state === 'Stopped' && withReason) {
        // as Go, not a failure (exit 0); but --follow shows no events, so without this the logs just end
        printWarning(this.#ctx, said('job stopped'));
      }
      return state === 'Failed';
    }
    if (!quiet) {
      out.write('\n');
      printWarning(
        this.#ctx,
        outcome === 'timed-out'
          ? progressTimedOut(this.#settings.waitTimeoutSecs)
          : 'Progress tracking canceled. The job is still running.',
      );
    }
    return false;
  }

  /**
   * `--follow`, then the job's outcome: the logs are one execution's, and the job may go on to retry
   * elsewhere, so its end is waited for (quietly) before exiting 1 if it failed.
   */
  async #followLogsToTheEnd(job: Pick<Job, 'ID' | 'Version' | 'Type'>, quiet: boolean): Promise<void> {
    // one --wait-timeout-secs for the logs and the end (Go's --follow ignores it)
    const timeout = timeoutSignal(this.#settings.waitTimeoutSecs * 1000);
    const logs = await this.#followLogs(job, quiet, timeout);
    if (logs === 'cancelled') return;
    const outcome = logs === 'timed-out' ? logs : await this.#follow(job, true, timeout);
    // no event was shown: the reason for a failure is said with it
    if (await this.#reportOutcome(job.ID, outcome, quiet, true)) throw new ExitCode(1);
  }

  /** What ends a wait: `timeout` (none: no limit) or the user's interrupt. */
  #endedBy(timeout: AbortSignal | undefined): AbortSignal {
    return eitherSignal(timeout, this.#ctx.signal) ?? new AbortController().signal;
  }

  /** Prints events until the job is terminal, the wait times out, or the user interrupts. */
  async #follow(
    job: Pick<Job, 'ID' | 'Version' | 'Type'>,
    quiet: boolean,
    timeout = timeoutSignal(this.#settings.waitTimeoutSecs * 1000),
  ): Promise<Outcome> {
    const signal = this.#endedBy(timeout);
    const spinner = new Spinner(
      this.#ctx.stdout,
      !quiet && (this.#ctx.stdout as { isTTY?: boolean }).isTTY === true,
    );
    const filter = new EventFilter();
    const h = historyColumns(styles(this.#ctx));
    // Each event is its own one-row table: fixed widths keep the rows aligned.
    const fixed = (c: Column<JobHistory>): Column<JobHistory> => ({ ...c, minWidth: c.maxWidth ?? 0 });
    const columns = [fixed(h.timeOnly), fixed(h.execID), fixed(h.topic), h.event];
    const longRunning = job.Type === JobType.Service || job.Type === JobType.Daemon;
    const grouped =
      this.#settings.groupEvents && !quiet
        ? new GroupedEvents(this.#ctx.stdout, [h.timeOnly, h.execID, h.topic, h.event])
        : undefined;
    if (grouped === undefined) spinner.start();
    try {
      for await (const event of this.#events(job, signal)) {
        if (grouped !== undefined) grouped.add(event);
        else if (!quiet && filter.accept(event)) {
          spinner.print(renderTable(columns, [event], { hideHeader: !filter.first }));
        }
        // A service or daemon job never finishes: its first execution event is progress enough.
        if (longRunning && event.Type === 'ExecutionLevel') return 'finished';
      }
      if (!signal.aborted) return 'finished';
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      spinner.stop();
      grouped?.close();
    }
    return timeout?.aborted === true ? 'timed-out' : 'cancelled';
  }

  /**
   * The job's events as they are stored, until it is terminal and all were read, or `signal` aborts.
   * Each page's `NextToken` is asked for at once; only a page that brought nothing waits, with backoff.
   */
  async *#events(job: Pick<Job, 'ID' | 'Version'>, signal: AbortSignal): AsyncGenerator<JobHistory> {
    let token = '';
    let idle = idleWaitMs.first;
    /** The job's Revision last seen; 0 until the first wait reads it. */
    let revision = 0;
    for (;;) {
      const page = await this.#client.jobs.history(
        { idOrName: job.ID, eventType: 'all', jobVersion: job.Version, nextToken: token, limit: 10 },
        { signal },
      );
      yield* page.Items;
      if (page.NextToken === '') return;
      token = page.NextToken;
      if (page.Items.length > 0) {
        idle = idleWaitMs.first;
        continue;
      }
      revision = await this.#nextChange(job.ID, revision, idle, signal);
      idle = Math.min(idle * 2, idleWaitMs.max);
      if (signal.aborted) return;
    }
  }

  /**
   * Waits up to `ms` for the job to change from `revision` (see the file comment); resolves with the
   * Revision then seen. A failed read only means a plain wait: the history read reports real trouble.
   */
  async #nextChange(jobID: string, revision: number, ms: number, signal: AbortSignal): Promise<number> {
    const started = Date.now();
    try {
      const { Job } = await this.#client.jobs.get(
        { idOrName: jobID, afterRevision: revision, wait: `${ms}ms` },
        { signal },
      );
      if (Job.Revision > revision) return Job.Revision;
    } catch {
      // fall through to the plain wait
    }
    await sleep(ms - (Date.now() - started), signal);
    return revision;
  }

  /**
   * `--follow`: the job's output instead of its events (Bacalhau's `followLogs`). Logs can only be asked
   * for once the job has an execution, so its events are read until one appears; meanwhile a job that
   * waits in the queue says why, on stderr (stdout is the job's output), and one that ends without an
   * execution (no node could take it) is not asked for logs: its outcome says why it failed. Ends early
   * when `timeout` or the user interrupts.
   */
  async #followLogs(
    job: Pick<Job, 'ID' | 'Version'>,
    quiet: boolean,
    timeout: AbortSignal | undefined,
  ): Promise<Outcome> {
    const out = this.#ctx.stdout;
    if (!quiet) {
      out.write(`Job successfully submitted. Job ID: ${job.ID}\n`);
      out.write(
        'Waiting for logs... (Enter Ctrl+C to exit at any time, your job will continue running):\n\n',
      );
    }
    const signal = this.#endedBy(timeout);
    const ended = (): Outcome => (timeout?.aborted === true ? 'timed-out' : 'cancelled');
    try {
      let executed = false;
      for await (const event of this.#events(job, signal)) {
        if (event.Type === 'ExecutionLevel') {
          executed = true;
          break;
        }
        if (!quiet && event.Event.Topic === QueueingTopic) printWarning(this.#ctx, event.Event.Message);
      }
      if (!executed) return signal.aborted ? ended() : 'finished';
      for await (const line of this.#client.jobs.logs({ idOrName: job.ID, follow: true }, { signal })) {
        await writeInTurn(out, line.Line, signal);
      }
    } catch (err) {
      // Ctrl+C ends following quietly, as in Go; the job keeps running.
      if (!signal.aborted) throw err;
    }
    return signal.aborted ? ended() : 'finished';
  }

  /** `Job Results By Node:` with what each node's execution said (Bacalhau's `SummariseExecutions`). */
  async #printNodeDetails(jobID: string): Promise<void> {
    const { Items } = await this.#client.jobs.executions({ idOrName: jobID }, callOptions(this.#ctx));
    const byMessage = new Map<string, string[]>();
    for (const e of Items) {
      const message = executionSummary(e);
      if (message !== '') byMessage.set(message, [...(byMessage.get(message) ?? []), shortNodeID(e.NodeID)]);
    }
    const out = this.#ctx.stdout;
    if (byMessage.size === 0) {
      out.write('\n');
      return;
    }
    out.write('\nJob Results By Node:\n');
    // the header on stdout and what each node said on stderr, as Go's printer writes them
    const err = this.#ctx.stderr;
    for (const [message, nodes] of byMessage) {
      const prefix =
        nodes.length > 1
          ? `• ${nodes.length} runs on ${new Set(nodes).size} nodes: `
          : `• Node ${nodes[0] ?? ''}: `;
      const indent = ' '.repeat(prefix.length);
      err.write(prefix + message.trim().split('\n').join(`\n${indent}`) + '\n');
    }
  }

  /** How to see more: describe, executions, and — when the job publishes results — get. */
  async #printInstructions(jobID: string): Promise<void> {
    let publisher = '';
    try {
      // The server's view: a default publisher may have been applied.
      const { Job: job } = await this.#client.jobs.get({ idOrName: jobID }, callOptions(this.#ctx));
      publisher = jobTask(job)?.Publisher?.Type ?? '';
    } catch (err) {
      printWarning(this.#ctx, `Failed to get updated job details: ${(err as Error).message}`);
    }
    this.#writeInstructions(jobID, publisher);
  }

  /** The commands that show more of the job; how to download its results when it has a `publisher`. */
  #writeInstructions(jobID: string, publisher: string): void {
    const bin = this.#ctx.binName;
    const out = this.#ctx.stdout;
    out.write(`\nTo get more details about the run, execute:\n\t${bin} job describe ${jobID}\n`);
    out.write(`\nTo get more details about the run executions, execute:\n\t${bin} job executions ${jobID}\n`);
    if (publisher !== '') out.write(`\nTo download the results, execute:\n\t${bin} job get ${jobID}\n`);
  }
}

/** What an execution has to say: its error, its stderr when it exited non-zero, else its stdout. */
function executionSummary(e: Execution): string {
  const run = e.RunOutput;
  if (run !== undefined) {
    if (run.ErrorMsg !== '') return run.ErrorMsg;
    return run.ExitCode > 0 ? run.stderr : run.Stdout;
  }
  return isDiscardedExecutionState(e.ComputeState.StateType) ? (e.ComputeState.Message ?? '') : '';
}
