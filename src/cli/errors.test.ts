import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { ClientComponent } from '../api/client/index.js';
import { friendlyError, unreachableAfterSubmit } from './errors.js';

describe('unreachableAfterSubmit', () => {
  const submitted = 'job j-1 was submitted and may still be running';

  it.each([
    ['stopped or unreachable', ErrorCode.ServiceUnavailable, 'server is not running or not reachable'],
    ['hung (no answer in time)', ErrorCode.TimeOut, 'request timed out'],
  ])('says the job was submitted when the server is %s', (_name, code, message) => {
    const lost = unreachableAfterSubmit(new BacalhauError(message, { code }), 'bacalhau', 'j-1');
    expect(lost).toBeInstanceOf(BacalhauError);
    expect((lost as BacalhauError).message).toBe(message);
    expect((lost as BacalhauError).hint).toContain(submitted);
    expect((lost as BacalhauError).hint).toContain("'bacalhau job describe j-1'");
  });

  it("leaves other errors as they are: the job's own failure is no reason to look for it", () => {
    const failure = new BacalhauError('job not found', { code: ErrorCode.NotFound });
    expect(unreachableAfterSubmit(failure, 'bacalhau', 'j-1')).toBe(failure);
  });
});

describe('friendlyError', () => {
  const unreachable = (code: string) =>
    new BacalhauError('request failed', {
      code: ErrorCode.ServiceUnavailable,
      component: ClientComponent,
      details: { address: 'http://127.0.0.1:1234' },
      cause: Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error(code), { code }) }),
    });

  it('says a reset connection comes from the server, and what closes them all (no descriptor left)', () => {
    const friendly = friendlyError(unreachable('ECONNRESET'), 'bacalhau') as BacalhauError;
    expect(friendly.message).toBe(
      'cannot reach the Bacalhau API at http://127.0.0.1:1234 (connection reset)',
    );
    expect(friendly.hint).toMatch(
      /^the server at http:\/\/127\.0\.0\.1:1234 closed the connection without answering: a node that has no file descriptor left does so .*; otherwise\nto resolve this, either:\n1\. Ensure/su,
    );
  });

  it('says to raise the open-files limit when the command had no file descriptor left, unless a hint says', () => {
    const emfile = Object.assign(new Error("EMFILE: too many open files, open '/m/index.js'"), {
      code: 'EMFILE',
    });
    expect(friendlyError(emfile, 'bacalhau')).toMatchObject({
      message: "EMFILE: too many open files, open '/m/index.js'",
      hint: 'this process has no file descriptor left: raise its open-files limit: ulimit -n, or LimitNOFILE for a systemd service',
    });
    const explained = new BacalhauError('x', { code: ErrorCode.IOError, hint: 'its own', cause: emfile });
    expect(friendlyError(explained, 'bacalhau')).toBe(explained);
    const other = new Error('other');
    expect(friendlyError(other, 'bacalhau')).toBe(other);
  });

  it("keeps Go's words and hint for a refused connection", () => {
    const friendly = friendlyError(unreachable('ECONNREFUSED'), 'bacalhau') as BacalhauError;
    expect(friendly.message).toBe('server is not running or not reachable at http://127.0.0.1:1234');
    expect(friendly.hint).toMatch(/^to resolve this, either:\n/u);
  });
});
