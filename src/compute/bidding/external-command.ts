/**
 * `JobAdmissionControl.ProbeExec` (Go's `semantic.ExternalCommandStrategy`): runs `bash -c <command>`
 * with only `PATH` and {@link ProbeDataEnvVar} in its environment and the same JSON on stdin. Exit
 * code 0 accepts. What the command writes to stderr becomes the reason; otherwise the reason names the
 * command and its exit code. A command that cannot start or is killed counts as exit code -1 (a
 * refusal, as in Go).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { goQuote, goTrimSpace } from '../../models/go-compat.js';
import {
  notConfiguredReason,
  probeData,
  ProbeDataEnvVar,
  probeDeadline,
  DefaultProbeTimeoutMs,
} from './probe.js';
import { bidResponse, type SemanticBidStrategy } from './types.js';

const key = 'JobAdmissionControl.ProbeExec';

export interface ExternalCommandOptions {
  /** Longest wait for the command; it is killed (with its children) after. */
  timeoutMs?: number;
}

/**
 * @throws (as a rejection) BacalhauError TimeOut when the command outlives its time limit,
 *   RequestCancelled when the caller's signal aborts.
 */
export function externalCommandStrategy(
  command: string,
  options: ExternalCommandOptions = {},
): SemanticBidStrategy {
  const timeoutMs = options.timeoutMs ?? DefaultProbeTimeoutMs;
  return {
    async shouldBid(request, { signal } = {}) {
      if (command === '') return bidResponse(true, notConfiguredReason);
      const deadline = probeDeadline(key, timeoutMs, signal);
      const { exitCode, stderr } = await run(command, probeData(request.job), deadline.signal).catch(
        (err: unknown) => {
          if (deadline.signal.aborted) throw deadline.abortError(`job selection probe ${goQuote(command)}`);
          throw BacalhauError.wrap(
            err,
            'ExternalCommandStrategy: cannot hand the probe data to the command',
            {
              code: ErrorCode.IOError,
              component: 'Bidder',
              hint: 'Check that the temporary folder of the compute node is writable.',
            },
          );
        },
      );
      const reason =
        stderr.length > 0
          ? `accept this job: ${goTrimSpace(stderr)}`
          : `accept jobs where external command ${goQuote(command)} returns exit code ${exitCode}`;
      return bidResponse(exitCode === 0, reason);
    },
  };
}

/**
 * Runs the command to its end. Rejects when `signal` aborts (the process group is killed then) or the
 * data cannot be written.
 *
 * Stdin is a file holding the data, not Node's stdio pipe: that is a socket, and Debian's bash reads
 * `~/.bashrc` when its stdin is a socket (it takes it for an ssh session), which Go's real pipe never
 * triggers.
 */
async function run(
  command: string,
  data: string,
  signal: AbortSignal,
): Promise<{ exitCode: number; stderr: string }> {
  signal.throwIfAborted();
  const dir = await mkdtemp(join(tmpdir(), 'bacalhau-probe-'));
  try {
    const stdinFile = join(dir, 'probe.json');
    await writeFile(stdinFile, data);
    const stdin = await open(stdinFile, 'r');
    try {
      return await spawnProbe(command, data, stdin.fd, signal);
    } finally {
      await stdin.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function spawnProbe(
  command: string,
  data: string,
  stdin: number,
  signal: AbortSignal,
): Promise<{ exitCode: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      // Its own process group, so that a timeout also stops what the command started.
      child = spawn('bash', ['-c', command], {
        env: { [ProbeDataEnvVar]: data, PATH: process.env.PATH ?? '' },
        stdio: [stdin, 'ignore', 'pipe'],
        detached: true,
      });
    } catch {
      // not started at all (E2BIG: the job's data is too big for an environment variable): Go's
      // exec fails the same way, and its exit code -1 refuses the job
      resolve({ exitCode: -1, stderr: '' });
      return;
    }
    const stderr: Buffer[] = [];
    const onAbort = (): void => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (exitCode: number): void => {
      signal.removeEventListener('abort', onAbort);
      resolve({ exitCode, stderr: Buffer.concat(stderr).toString('utf8') });
    };
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', () => finish(-1));
    child.on('close', (code) => finish(code ?? -1));
  });
}
