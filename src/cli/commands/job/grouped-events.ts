/**
 * `--group-events` (Bacalhau's grouped event printer): one row per execution with its latest event, in
 * the order the executions appeared, and the job's latest event last. On a terminal the table is
 * redrawn in place as events arrive; elsewhere (a pipe, a CI log) only the final table is written, since
 * redraws would pile up as copies.
 */
import type { JobHistory } from '../../../models/job-history.js';
import { renderTable, type Column } from '../../output/index.js';

interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class GroupedEvents {
  readonly #out: TextSink;
  readonly #columns: readonly Column<JobHistory>[];
  readonly #live: boolean;
  readonly #executions = new Map<string, JobHistory>();
  #job: JobHistory | undefined;
  #drawnLines = 0;

  constructor(out: TextSink, columns: readonly Column<JobHistory>[]) {
    this.#out = out;
    this.#columns = columns;
    this.#live = out.isTTY === true;
  }

  add(event: JobHistory): void {
    const execution = event.ExecutionID ?? '';
    if (execution === '') this.#job = event;
    else this.#executions.set(execution, event);
    if (this.#live) this.#draw();
  }

  /** Writes the final table (once, when not live). */
  close(): void {
    if (!this.#live) this.#draw();
  }

  #draw(): void {
    const rows = [...this.#executions.values(), ...(this.#job === undefined ? [] : [this.#job])];
    const table = renderTable(this.#columns, rows);
    // Cursor up over the previous drawing, then clear to the end of the screen.
    const erase = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A\x1b[J` : '';
    this.#out.write(erase + table);
    this.#drawnLines = table.split('\n').length - 1;
  }
}
