/**
 * How a container ended. The daemon's wait answers the moment the container ends, over a connection
 * held open for the whole run. When that connection is lost (the daemon restarted, a proxy or a TCP
 * link in between was cut) the request can stay unsettled for ever: docker-modem does not notice a
 * response cut short after its headers. So while the wait is unanswered the container is also looked
 * at every few seconds, and a failed wait is asked again while the daemon still says the container
 * runs. Without this, a lost connection left the execution running for ever, holding its capacity.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { describe, statusCode } from './errors.js';

/** How often a container whose wait is unanswered is looked at. */
const LookEveryMs = 5_000;
/** A daemon that cannot describe a container in this long is taken as unreachable. */
const LookTimeoutMs = 10_000;
/** Pause before a failed wait is asked again, so a daemon refusing waits is not asked in a tight loop. */
const RetryWaitMs = 1_000;

export interface ExitStatus {
  StatusCode: number;
  Error?: { Message?: string } | null;
}

/**
 * The exit, and whether the connection to the daemon was disrupted on the way (so the output stream
 * may have been cut too); or why the exit could not be learned (the run's ErrorMsg, as Go words it).
 */
export type ExitOutcome = { status: ExitStatus; disrupted: boolean } | { failure: string };

/** What a look at the container found. */
type Look = { running: true } | { running: false; status: ExitStatus } | { error: string };

/** Resolves with how the container ended. */
export async function waitForExit(container: Docker.Container): Promise<ExitOutcome> {
  let disrupted = false;
  for (;;) {
    const controller = new AbortController();
    const answer = (
      container.wait({ condition: 'not-running', abortSignal: controller.signal }) as Promise<ExitStatus>
    ).then(
      (status) => ({ status }),
      (err: unknown) => ({ waitError: describe(err) }),
    );
    let look: Look;
    let waitError: string | undefined;
    for (;;) {
      const first = await Promise.race([answer, delay(LookEveryMs)]);
      if (first !== undefined && 'status' in first) return { status: first.status, disrupted };
      if (first !== undefined) {
        disrupted = true;
        waitError = first.waitError;
        await delay(RetryWaitMs);
      }
      look = await lookAt(container);
      if (!('running' in look && look.running) || waitError !== undefined) break;
    }
    // ended while the wait went unanswered: the wait's connection was lost
    disrupted = true;
    controller.abort(); // an unanswered wait whose answer is no longer needed
    if ('error' in look) {
      return {
        failure: `received error response from docker client while waiting on container: ${waitError ?? look.error}`,
      };
    }
    if (!look.running) return { status: look.status, disrupted };
    // a failed wait, and the container runs on: ask again
  }
}

/**
 * What the daemon says of the container. A look not answered within its timeout is tried once more
 * before the daemon counts as unreachable: a node whose event loop was held up past the timeout (a long
 * synchronous task) sees its timer fire before it reads the answer that had come meanwhile, and a
 * healthy execution was failed for it (measured, before log replays yielded).
 */
export async function lookAt(container: Pick<Docker.Container, 'inspect'>, attempts = 2): Promise<Look> {
  try {
    const { State } = await container.inspect({ abortSignal: AbortSignal.timeout(LookTimeoutMs) });
    if (State.Running || State.Restarting) return { running: true };
    return {
      running: false,
      status: { StatusCode: State.ExitCode, Error: State.Error === '' ? null : { Message: State.Error } },
    };
  } catch (err) {
    if (statusCode(err) === 404)
      return { error: 'the container is gone: something other than this node removed it' };
    if (err instanceof Error && err.name === 'AbortError' && attempts > 1)
      return lookAt(container, attempts - 1);
    return { error: describe(err) };
  }
}

/** A pause that does not keep the process alive (a node stopping need not wait for a look). */
const delay = (ms: number): Promise<undefined> => sleep(ms, undefined, { ref: false });
