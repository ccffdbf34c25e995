import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../models/index.js';
import { containerLeftBehind, daemonError, daemonProblem } from './errors.js';

/** A daemon refusal as dockerode reports it. */
function refusal(status: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${status}) unexpected - ${message} `), { statusCode: status });
}

describe('daemon errors', () => {
  it('say that a container left by a previous run could not be removed either, and how to remove it', () => {
    const failure = daemonError('reopening the HTTP network', new Error('container 5e1f is not running'));
    const removal = daemonError(
      'removing container 9a0b',
      refusal(500, 'driver failed to remove root filesystem'),
    );
    const err = containerLeftBehind(failure, 'bacalhau-executionID=n-1e-2', removal);
    expect([err.message, err.code, err.hint]).toEqual([
      'reopening the HTTP network: container 5e1f is not running; its containers stay: ' +
        'removing container 9a0b: Error response from daemon: driver failed to remove root filesystem',
      failure.code,
      'Remove them with: docker rm -f $(docker ps -aq --filter label=bacalhau-executionID=n-1e-2) ' +
        '(the node removes them when it stops or next starts)',
    ]);
  });

  it('name the spec field that fixes a refusal the job spec caused', () => {
    const memory = daemonError('creating container', refusal(400, 'Minimum memory limit allowed is 6MB'));
    expect([memory.message, memory.code, memory.hint, memory.retryable]).toEqual([
      // the daemon's words as Docker's Go client gives them, which Bacalhau's errors carry
      'creating container: Error response from daemon: Minimum memory limit allowed is 6MB',
      ErrorCode.BadRequest,
      "Set Task.Resources.Memory to at least 6Mi, Docker's minimum (6291456 bytes)",
      false,
    ]);
    const image = daemonError(
      'pulling image BAD::IMAGE',
      refusal(400, 'invalid reference format: repository name must be lowercase'),
    );
    expect([image.code, image.hint]).toEqual([
      ErrorCode.BadRequest,
      'Task.Engine.Params.Image is not a valid image reference: use lowercase [registry/]repository[:tag] ' +
        'or [registry/]repository@sha256:<digest>, e.g. ubuntu:24.04',
    ]);
    const command = daemonError('creating container', refusal(400, 'No command specified'));
    expect([command.code, command.hint]).toEqual([
      ErrorCode.BadRequest,
      'The image has no default command: give one in Task.Engine.Params.Entrypoint (and Parameters)',
    ]);
  });

  it('say that the node has no file descriptor left, not that the daemon failed, when it cannot connect for that', () => {
    const emfile = Object.assign(new Error('connect EMFILE /var/run/docker.sock'), { code: 'EMFILE' });
    const err = daemonError('creating the container for image "busybox"', emfile);
    expect([err.message, err.hint]).toEqual([
      'creating the container for image "busybox": connect EMFILE /var/run/docker.sock',
      'the compute node has no file descriptor left to reach the daemon with: raise its open-files limit: ' +
        'ulimit -n, or LimitNOFILE for a systemd service',
    ]);
  });

  it("carry Go's code for each kind of refusal, which the execution's events show as Docker:<code>", () => {
    const codes = [
      refusal(404, 'No such container: 5e1f'),
      refusal(404, 'network bacalhau-x not found'),
      refusal(401, 'authentication required'),
      refusal(403, 'denied'),
      refusal(409, 'Conflict. The container name "/x" is already in use'),
      refusal(500, 'driver failed'),
      refusal(501, 'not implemented'),
      refusal(503, 'unavailable'),
      refusal(502, 'bad gateway'),
      refusal(418, 'teapot'),
    ].map((cause) => daemonError('doing', cause).code);
    expect(codes).toEqual([
      'ContainerNotFound',
      'NotFound',
      'Unauthorized',
      'Forbidden',
      'Conflict',
      'SystemError',
      'NotImplemented',
      'Unavailable',
      'SystemError',
      'UnknownError',
    ]);
  });

  it('point at the daemon for anything else, and retry when it cannot be reached', () => {
    const other = daemonError(
      'starting container',
      refusal(500, 'driver failed programming external connectivity'),
    );
    expect([other.code, other.hint]).toEqual([ErrorCode.SystemError, 'Check the Docker daemon and its logs']);
    const away = daemonError(
      'creating container',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    expect([away.code, away.retryable]).toEqual([ErrorCode.ServiceUnavailable, true]);
  });

  it("tell a socket that refuses the node's user from a daemon that does not answer", () => {
    // what node:net gives a user outside the socket's group (root passes whatever the mode)
    const denied = Object.assign(new Error('connect EACCES /var/run/docker.sock'), {
      code: 'EACCES',
      syscall: 'connect',
    });
    const refused = daemonError('creating container', denied);
    expect([refused.code, refused.hint, refused.retryable]).toEqual([
      ErrorCode.ServiceUnavailable,
      "Run the node as a user who may use the daemon's socket: root, or a member of its group (usually docker)",
      true,
    ]);
    expect(daemonProblem(denied)).toBe('permission denied');
    expect(daemonProblem(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }))).toBe('no answer');
    expect(daemonProblem(new Error('The operation was aborted'))).toBe('no answer');
  });
});
