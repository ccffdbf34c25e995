import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../bacerrors.js';
import { decodeDockerSpec } from './docker.js';

describe('decodeDockerSpec', () => {
  it("tells an Entrypoint not given (the image's) from an empty one (none)", () => {
    const entrypoint = (Entrypoint: unknown) =>
      decodeDockerSpec({ Type: 'docker', Params: { Image: 'i', Entrypoint } }).Entrypoint;
    expect(entrypoint(undefined)).toBeUndefined();
    expect(entrypoint(null)).toBeUndefined();
    expect(entrypoint([])).toEqual([]);
  });

  it("refuses an image reference Docker cannot parse, in Docker's words", () => {
    expect(() => decodeDockerSpec({ Type: 'docker', Params: { Image: 'UPPER/Case:latest' } })).toThrow(
      'invalid docker engine param: \'Image\' ("UPPER/Case:latest") is not an image reference Docker takes: ' +
        'invalid reference format: repository name must be lowercase',
    );
  });

  it('fills the defaults and matches keys case-insensitively, as Go decodes JSON', () => {
    expect(decodeDockerSpec({ Type: 'docker', Params: { image: 'busybox:1.37' } })).toEqual({
      Image: 'busybox:1.37',
      Entrypoint: undefined,
      Parameters: [],
      EnvironmentVariables: [],
      WorkingDirectory: '',
    });
    expect(
      decodeDockerSpec({
        Type: 'docker',
        Params: {
          Image: 'ubuntu',
          entrypoint: ['/bin/sh', '-c'],
          PARAMETERS: ['echo hi'],
          EnvironmentVariables: ['A=1', 'B=x=y'],
          WorkingDirectory: '/work',
        },
      }),
    ).toEqual({
      Image: 'ubuntu',
      Entrypoint: ['/bin/sh', '-c'],
      Parameters: ['echo hi'],
      EnvironmentVariables: ['A=1', 'B=x=y'],
      WorkingDirectory: '/work',
    });
  });

  it.each([
    [{}, "invalid docker engine param: 'Image' cannot be empty"],
    [{ Image: '  ' }, "invalid docker engine param: 'Image' cannot be empty"],
    [{ Image: 7 }, "invalid docker engine param: 'Image' must be a string, not a number (7)"],
    [
      { Image: 'i', WorkingDirectory: 'rel/dir' },
      `invalid docker engine param: 'WorkingDirectory' ("rel/dir") must contain absolute path`,
    ],
    [
      { Image: 'i', EnvironmentVariables: ['bacalhau_job_id=x'] },
      "invalid docker engine param: environment variable 'bacalhau_job_id' cannot start with BACALHAU_",
    ],
    [
      { Image: 'i', Entrypoint: '/bin/sh' },
      `invalid docker engine param: 'Entrypoint' must be a list of strings, not a string ("/bin/sh")`,
    ],
    [
      { Image: 'i', Parameters: [1] },
      "invalid docker engine param: 'Parameters' must be a list of strings, not a list holding a number (1)",
    ],
    [
      { Image: 'i', Parameters: { cmd: 'x'.repeat(60) } },
      `invalid docker engine param: 'Parameters' must be a list of strings, not a map ({"cmd":"${'x'.repeat(31)}…)`,
    ],
  ])('refuses %j', (params, message) => {
    expect(() => decodeDockerSpec({ Type: 'docker', Params: params })).toThrow(
      expect.objectContaining({
        message,
        code: ErrorCode.ExecutorSpecValidationErr,
        hint: expect.stringContaining('Task.Engine.Params') as string,
      }),
    );
  });

  it('lists every problem of the params, one a line', () => {
    const params = {
      Image: 'i',
      Entrypoint: '/bin/sh',
      Parameters: 'ls /a',
      EnvironmentVariables: ['BACALHAU_X=1', 'OK=1', 'BACALHAU_Y=2'],
      WorkingDirectory: 'rel',
    };
    expect(() => decodeDockerSpec({ Type: 'docker', Params: params })).toThrow(
      [
        `invalid docker engine param: 'WorkingDirectory' ("rel") must contain absolute path`,
        "invalid docker engine param: environment variable 'BACALHAU_X' cannot start with BACALHAU_",
        "invalid docker engine param: environment variable 'BACALHAU_Y' cannot start with BACALHAU_",
        `invalid docker engine param: 'Entrypoint' must be a list of strings, not a string ("/bin/sh")`,
        `invalid docker engine param: 'Parameters' must be a list of strings, not a string ("ls /a")`,
      ].join('\n'),
    );
  });
});
