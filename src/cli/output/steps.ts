/**
 * The step lines of `job stop` (Bacalhau's spinner steps): each finished step is printed as
 * `\t<step, right-aligned>  ................  done ✅  0.1s`, a failed one with `err  ❌`.
 */
import type { TextSink } from '../context.js';

const dots = '.'.repeat(16);

/** Go's `spinnerFmtDuration`: `0.3s`, `5.2s`, `01m05.2s`. */
function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000) % 60;
  const seconds = Math.floor(ms / 1000) % 60;
  const tenths = Math.floor((ms % 1000) / 100);
  if (minutes > 0)
    return `${String(minutes).padStart(2, '0')}m${String(seconds).padStart(2, '0')}.${tenths}s`;
  return `${seconds}.${tenths}s`;
}

export class StepPrinter {
  readonly #out: TextSink;
  readonly #width: number;
  #current: { message: string; started: number } | undefined;

  /** `width`: the widest step message, so the columns line up. */
  constructor(out: TextSink, width: number) {
    this.#out = out;
    this.#width = width;
  }

  /** Finishes the current step (done) and starts `message`. */
  next(message: string): void {
    this.done();
    this.#current = { message, started: Date.now() };
  }

  done(): void {
    this.#finish('done ✅');
  }

  fail(): void {
    this.#finish('err  ❌');
  }

  #finish(status: string): void {
    const step = this.#current;
    if (step === undefined) return;
    this.#current = undefined;
    const took = formatDuration(Date.now() - step.started);
    this.#out.write(`\t${step.message.padStart(this.#width)}  ${dots}  ${status}  ${took}\n`);
  }
}
