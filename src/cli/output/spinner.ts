/**
 * The fish spinner shown while `job run` waits (Bacalhau's `FishSpinner`), on a terminal only: a line
 * redrawn in place, cleared before anything else is printed. Elsewhere it does nothing, so logs and
 * pipes get plain lines.
 */
import type { TextSink } from '../context.js';

const fish = ['🐟', '🐠', '🐡'];
const frames = fish.flatMap((f) =>
  Array.from({ length: 6 }, (_, i) => `${' '.repeat(6 - i)}${f}${' '.repeat(i)}`),
);

export class Spinner {
  readonly #out: TextSink;
  readonly #enabled: boolean;
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;
  #started = 0;

  constructor(out: TextSink, enabled: boolean) {
    this.#out = out;
    this.#enabled = enabled;
  }

  start(): void {
    if (!this.#enabled || this.#timer !== undefined) return;
    if (this.#started === 0) this.#started = Date.now();
    this.#timer = setInterval(() => this.#draw(), 100);
    this.#timer.unref();
    this.#draw();
  }

  /** Clears the line and stops drawing; `start` resumes. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#out.write('\r\x1b[K');
  }

  /** Prints `text` above the spinner. */
  print(text: string): void {
    const running = this.#timer !== undefined;
    this.stop();
    this.#out.write(text);
    if (running) this.start();
  }

  #draw(): void {
    const seconds = ((Date.now() - this.#started) / 1000).toFixed(1);
    this.#out.write(`\r\x1b[K${frames[this.#frame % frames.length] ?? ''} Waiting... ${seconds}s`);
    this.#frame++;
  }
}
