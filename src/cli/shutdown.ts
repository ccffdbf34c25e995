/**
 * Ctrl+C, SIGTERM and SIGHUP (the terminal went away) as an AbortSignal (CliContext.signal). The first
 * signal asks the running command to finish (serve stops gracefully, `job run` stops following and says
 * the job keeps running); a second SIGINT or SIGTERM ends the process at once, for a command that does
 * not listen. A command cleaning up what only it can (serve and devstack removing their containers)
 * holds the exit (`holdExit`): the second signal then says what quitting would leave, and a third ends
 * the process. (Go's ignores every signal after the first.)
 * Node's default for SIGHUP is to die on the spot, which left a node's lock, run file and containers.
 * A process with no terminal ignores SIGHUP: `nohup bacalhau serve &` must outlive its session, as Go's
 * does, but Node resets the SIGHUP that nohup ignores to its default at start, so the wish is lost and
 * is read from the missing terminal instead (nohup takes stdin, stdout and stderr off it).
 */
export function shutdownSignal(proc: NodeJS.Process, hasTerminal: boolean): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    // A closing terminal sends SIGHUP twice (the shell passes its own on): only a person's second
    // Ctrl+C or a second SIGTERM means "now".
    if (controller.signal.aborted && name !== 'SIGHUP') {
      const hold = holds.get(controller.signal);
      if (hold !== undefined && !hold.said) {
        hold.said = true;
        proc.stderr.write(`${hold.notice}\n`);
        return;
      }
      proc.exit(128 + (exitSignals[name] ?? 15));
    }
    controller.abort(new Error(`received ${name}`));
  };
  for (const name of Object.keys(exitSignals)) {
    proc.on(name, name === 'SIGHUP' && !hasTerminal ? ignore : onSignal);
  }
  return controller.signal;
}

function ignore(): void {}

/** What to say at the next signal instead of exiting, by shutdown signal (see `holdExit`). */
const holds = new WeakMap<AbortSignal, { notice: string; said: boolean }>();

/**
 * While a command stops what it alone can clean up, the next SIGINT or SIGTERM says `notice` (what
 * quitting now would leave behind, and to press Ctrl+C again for it) instead of ending the process.
 * Returns the release. A signal not made by `shutdownSignal` (tests, embedding) is left alone.
 */
export function holdExit(signal: AbortSignal | undefined, notice: string): () => void {
  if (signal === undefined) return () => undefined;
  holds.set(signal, { notice, said: false });
  return () => holds.delete(signal);
}

/** The signals handled, with their numbers (the exit code is 128 + the number). */
const exitSignals: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Signals of commands whose output is a log they go on without (see `keepRunningWithoutOutput`). */
const outputOptional = new WeakSet<AbortSignal>();

/**
 * Marks the command as one that goes on when the reader of its output goes away (`serve | head`, a
 * `tee` that died): its output is a log, and ending at once would skip the node's graceful stop,
 * leaving its containers and the orchestrator uninformed; it stops on its signal as ever. Other
 * commands end quietly then, as any Unix tool does. A signal not made by `shutdownSignal` is fine.
 */
export function keepRunningWithoutOutput(signal: AbortSignal | undefined): void {
  if (signal !== undefined) outputOptional.add(signal);
}

/** Whether the command of `signal` goes on when its output's reader went away. */
export function runsWithoutOutput(signal: AbortSignal): boolean {
  return outputOptional.has(signal);
}
