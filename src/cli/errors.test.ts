import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { unreachableAfterSubmit } from './errors.js';

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
