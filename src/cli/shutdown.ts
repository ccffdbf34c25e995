/**
 * Ctrl+C and SIGTERM as an AbortSignal (CliContext.signal). The first signal asks the running command
 * to finish (serve stops gracefully, `job run` stops following and says the job keeps running); a
 * second one ends the process at once, for a command that does not listen.
 */
export function shutdownSignal(proc: NodeJS.Process): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      proc.exit(name === 'SIGINT' ? 130 : 143);
    }
    controller.abort(new Error(`received ${name}`));
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return controller.signal;
}
