/**
 * What a benchmark must undo however it ends (temp data dirs, nodes, containers): run once in the
 * `finally` of a normal end, and also on Ctrl+C or SIGTERM, which would otherwise end the process
 * without running any `finally`.
 */
export class Cleanup {
  readonly #steps: (() => unknown)[] = [];
  #ran: Promise<void> | undefined;

  constructor() {
    // `on`, not `once`: Ctrl+C may arrive twice (from the terminal, and again from tsx when this process
    // did not acknowledge it within 30 ms); with no listener left, tsx's handler would exit mid-cleanup.
    process.on('SIGINT', () => this.#exit(130));
    process.on('SIGTERM', () => this.#exit(143));
  }

  /** Adds a step; steps run in reverse order of adding, as the things they undo were made. */
  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** Runs every step once, even when one fails (its error is printed). Idempotent. */
  run(): Promise<void> {
    this.#ran ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await step();
        } catch (err) {
          console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.#ran;
  }

  #exit(code: number): void {
    if (this.#ran === undefined) console.error('interrupted: cleaning up');
    void this.run().finally(() => process.exit(code));
  }
}

/**
 * Runs a benchmark's body with a fresh Cleanup: a failure is printed and sets exit code 1; the cleanup
 * runs however the body ends; then the process exits explicitly, because a stopped node's executors
 * still hold timers (finished executions are remembered for an hour) that would keep it alive.
 */
export async function benchMain(body: (cleanup: Cleanup) => Promise<void>): Promise<never> {
  const cleanup = new Cleanup();
  try {
    await body(cleanup);
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
  await cleanup.run();
  process.exit();
}
