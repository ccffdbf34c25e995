/**
 * The Docker executor's errors (Go `pkg/docker/errors.go` and the engine spec's validation): each says
 * which job field is at fault and how to fix it, or what is wrong with the node.
 */
import { isOutOfFileDescriptors, outOfFileDescriptorsHint } from '../../lib/error-chain.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { DockerComponent } from '../../models/engines/docker.js';
import { PasswordEnvVar, UsernameEnvVar } from './registry-credentials.js';

function dockerError(
  message: string,
  code: ErrorCode,
  hint: string,
  extra: { cause?: unknown; retryable?: boolean; details?: Record<string, string> } = {},
): BacalhauError {
  return new BacalhauError(message, { code, component: DockerComponent, hint, ...extra });
}

export function inputError(
  problem: string,
  hint = 'Give every Task.InputSources entry its own absolute Target, and a source the node can read',
): BacalhauError {
  return dockerError(`input configuration error: ${problem}`, ErrorCode.InputConfigError, hint);
}

export function outputError(problem: string): BacalhauError {
  return dockerError(
    `output configuration error: ${problem}`,
    ErrorCode.OutputConfigError,
    'Give every Task.ResultPaths entry a plain Name (one folder name, not stdout, stderr or exitCode) and an absolute Path',
  );
}

/** The image is neither present on the node nor pullable (Go `NewDockerImageError`). */
export function imageNotAvailable(
  image: string,
  cause: unknown,
  hint = 'Check Task.Engine.Params.Image: the name and tag must exist in a registry the node can reach ' +
    '(or be present on the node); a private image on Docker Hub needs the compute node started with ' +
    `its login in ${UsernameEnvVar} and ${PasswordEnvVar}`,
): BacalhauError {
  return dockerError(
    `image not available: ${JSON.stringify(image)}: ${describe(cause)}`,
    ErrorCode.ImageNotFound,
    hint,
    { cause, details: { Image: image } },
  );
}

/** The task's network mode cannot be provided by this node. */
export function networkUnavailable(problem: string, fix: string): BacalhauError {
  return dockerError(problem, ErrorCode.ConfigurationError, `Set Task.Network.Type ${fix}`);
}

/**
 * `failure` of an execution's containers left by a previous run, which could not be removed after it
 * either (`labelFilter` finds them): they run on unsupervised until the node stops or its next start
 * sweeps them, unless removed by hand.
 */
export function containerLeftBehind(failure: unknown, labelFilter: string, removal: unknown): BacalhauError {
  const code = failure instanceof BacalhauError ? failure.code : ErrorCode.UnknownError;
  return dockerError(
    `${describe(failure)}; its containers stay: ${describe(removal)}`,
    code,
    `Remove them with: docker rm -f $(docker ps -aq --filter label=${labelFilter}) ` +
      '(the node removes them when it stops or next starts)',
    { cause: failure },
  );
}

/** What lets a node use a daemon whose socket refuses it. */
export const DeniedFix =
  "Run the node as a user who may use the daemon's socket: root, or a member of its group (usually docker)";

/** A call to the daemon failed (Go `NewDockerError`): unreachable daemons are retryable. */
export function daemonError(doing: string, cause: unknown): BacalhauError {
  if (cause instanceof BacalhauError) return cause;
  const unreachable = isUnreachable(cause);
  const specFix = specProblemFix(describe(cause));
  if (specFix !== undefined) {
    return dockerError(`${doing}: ${describe(cause)}`, ErrorCode.BadRequest, specFix, { cause });
  }
  return dockerError(
    `${doing}: ${describe(cause)}`,
    unreachable ? ErrorCode.ServiceUnavailable : refusalCode(cause),
    isOutOfFileDescriptors(cause)
      ? outOfFileDescriptorsHint('the compute node', ' to reach the daemon with')
      : isDenied(cause)
        ? DeniedFix
        : unreachable
          ? 'Check that the Docker daemon is running and that DOCKER_HOST (default /var/run/docker.sock) points at it'
          : 'Check the Docker daemon and its logs',
    { cause, retryable: unreachable },
  );
}

/**
 * Go's code for a daemon's refusal (`NewDockerError`, by the errdefs class Docker's client gives each
 * HTTP status), which an execution's error event carries as `Docker:<code>`.
 */
function refusalCode(cause: unknown): ErrorCode {
  const status = statusCode(cause) ?? 0;
  switch (status) {
    case 404:
      return /no such container/iu.test(describe(cause)) ? ErrorCode.ContainerNotFound : ErrorCode.NotFound;
    case 401:
      return ErrorCode.Unauthorized;
    case 403:
      return ErrorCode.Forbidden;
    case 409:
      return ErrorCode.Conflict;
    case 500:
      return ErrorCode.SystemError;
    case 501:
      return ErrorCode.NotImplemented;
    case 503:
      return ErrorCode.Unavailable;
    default:
      // Docker's client takes any other 5xx for a system error too
      return status >= 500 ? ErrorCode.SystemError : ErrorCode.UnknownError;
  }
}

/** Daemon refusals that the job spec causes, with the field that fixes them. */
const specProblems: readonly [RegExp, (match: RegExpExecArray) => string][] = [
  [
    // Docker's MB are MiB, Bacalhau's are 10^6 bytes: "6MB" in a job is below Docker's 6MB
    /Minimum memory limit allowed is (\d+)MB/,
    (m) =>
      `Set Task.Resources.Memory to at least ${m[1]}Mi, Docker's minimum (${Number(m[1]) * 2 ** 20} bytes)`,
  ],
  [
    /invalid reference format/,
    () =>
      'Task.Engine.Params.Image is not a valid image reference: use lowercase [registry/]repository[:tag] ' +
      'or [registry/]repository@sha256:<digest>, e.g. ubuntu:24.04',
  ],
  [
    /No command specified/,
    () => 'The image has no default command: give one in Task.Engine.Params.Entrypoint (and Parameters)',
  ],
];

function specProblemFix(message: string): string | undefined {
  for (const [pattern, fix] of specProblems) {
    const match = pattern.exec(message);
    if (match !== null) return fix(match);
  }
  return undefined;
}

/** The HTTP status of a failed daemon call (dockerode sets `statusCode`), if any. */
export function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function isUnreachable(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ECONNREFUSED' || code === 'ENOENT' || isDenied(err) || code === 'ECONNRESET';
}

/** The daemon's socket refuses this process's user (it is not root nor in the socket's group). */
function isDenied(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EACCES' || code === 'EPERM';
}

/** The system error code of the error itself (not of its causes). */
function errnoCode(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

/** Why a ping got no answer: the socket refused the node's user, or nothing answered. */
export type DaemonProblem = 'permission denied' | 'no answer';

export function daemonProblem(pingError: unknown): DaemonProblem {
  return isDenied(pingError) ? 'permission denied' : 'no answer';
}

/**
 * What went wrong, in the daemon's own words when it sent some: dockerode wraps them as
 * `(HTTP code …) … - <message> `, Docker's Go client (and so Bacalhau's errors) as
 * `Error response from daemon: <message>`, which users search for.
 */
export function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (statusCode(err) === undefined) return message;
  const said = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(message)?.[1];
  return said === undefined ? message : `Error response from daemon: ${said.trim()}`;
}

/**
 * Why `signal` aborted, as an Error: the registry aborts with a reason string (`cancelled`,
 * `timeout`), which must not be thrown as it is.
 */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/** `signal.throwIfAborted()`, always with an Error. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortError(signal);
}
