import { describe, expect, it } from 'vitest';
import {
  apiErrorBody,
  BacalhauError,
  ErrorCode,
  hasHttpStatus,
  httpStatusForCode,
  unlessNotFound,
} from './bacerrors.js';

describe('httpStatusForCode (bacerrors inferHTTPStatusCode)', () => {
  it.each<[string, number]>([
    [ErrorCode.BadRequest, 400],
    [ErrorCode.ValidationError, 400],
    [ErrorCode.NotFound, 404],
    [ErrorCode.Unauthorized, 401],
    [ErrorCode.Forbidden, 403],
    [ErrorCode.ServiceUnavailable, 503],
    [ErrorCode.NotImplemented, 501],
    [ErrorCode.ResourceExhausted, 429],
    [ErrorCode.ResourceInUse, 409],
    [ErrorCode.ConflictJobState, 500],
    [ErrorCode.MultipleJobsFound, 500],
    [ErrorCode.InternalError, 500],
    [ErrorCode.TooManyRequests, 500],
    ['', 500],
    ['SomethingElse', 500],
  ])('%j → %d', (code, status) => {
    expect(httpStatusForCode(code)).toBe(status);
  });
});

describe('BacalhauError', () => {
  it('defaults to an UnknownError of component Bacalhau', () => {
    const err = new BacalhauError('boom');
    expect(err).toMatchObject({ message: 'boom', code: 'UnknownError', component: 'Bacalhau', hint: '' });
    expect(err.retryable).toBe(false);
    expect(err.httpStatus).toBe(500);
    expect(err).toBeInstanceOf(Error);
  });

  it('infers the status from its code unless one is set', () => {
    expect(new BacalhauError('x', { code: ErrorCode.NotFound }).httpStatus).toBe(404);
    expect(new BacalhauError('x', { code: ErrorCode.NotFound, httpStatus: 410 }).httpStatus).toBe(410);
  });

  it('wraps another BacalhauError keeping its code, hint and details', () => {
    const inner = new BacalhauError('job not found', {
      code: ErrorCode.NotFound,
      component: 'JobStore',
      hint: 'check the ID',
      retryable: true,
      details: { JobID: 'j-1' },
    });
    const outer = BacalhauError.wrap(inner, 'failed to get job');
    expect(outer).toMatchObject({
      message: 'failed to get job: job not found',
      code: 'NotFound',
      component: 'JobStore',
      hint: 'check the ID',
      retryable: true,
      details: { JobID: 'j-1' },
    });
    expect(outer.cause).toBe(inner);
  });

  it('wraps a plain error as an UnknownError with the original as cause', () => {
    const cause = new TypeError('bad thing');
    const wrapped = BacalhauError.wrap(cause, 'while reading', { code: ErrorCode.IOError });
    expect(wrapped.message).toBe('while reading: bad thing');
    expect(wrapped.code).toBe('IOError');
    expect(wrapped.cause).toBe(cause);
  });

  it('serialises like bacerrors.JSONError', () => {
    const err = new BacalhauError('x', { code: ErrorCode.BadRequest, hint: 'h', details: { a: 'b' } });
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      Cause: 'x',
      Hint: 'h',
      Retryable: false,
      FailsExecution: false,
      Component: 'Bacalhau',
      HTTPStatusCode: 0,
      Details: { a: 'b' },
      Code: 'BadRequest',
    });
  });
});

describe('apiErrorBody', () => {
  it('has the API error shape, omitting an empty hint and details', () => {
    expect(
      apiErrorBody(new BacalhauError('nope', { code: ErrorCode.NotFound, component: 'Jobs' }), 'req-1'),
    ).toEqual({
      Status: 404,
      Message: 'nope',
      RequestID: 'req-1',
      Code: 'NotFound',
      Component: 'Jobs',
    });
  });

  it('includes hint and details when present', () => {
    const body = apiErrorBody(
      new BacalhauError('busy', { code: ErrorCode.ResourceInUse, hint: 'retry later', details: { n: '1' } }),
      'r',
    );
    expect(body).toMatchObject({ Status: 409, Hint: 'retry later', Details: { n: '1' } });
    expect(Object.keys(body)).toEqual([
      'Status',
      'Message',
      'RequestID',
      'Code',
      'Component',
      'Hint',
      'Details',
    ]);
  });
});

describe('unlessNotFound', () => {
  it('turns NotFound into undefined and lets every other error through', () => {
    expect(unlessNotFound(() => 7)).toBe(7);
    const notFound = new BacalhauError('job j-1 not found', { code: ErrorCode.NotFound });
    expect(
      unlessNotFound(() => {
        throw notFound;
      }),
    ).toBeUndefined();
    const conflict = new BacalhauError('conflict', { code: ErrorCode.ConcurrentUpdate });
    expect(() =>
      unlessNotFound(() => {
        throw conflict;
      }),
    ).toThrow(conflict);
    expect(() =>
      unlessNotFound(() => {
        throw new Error('not found');
      }),
    ).toThrow('not found');
  });
});

describe('hasHttpStatus', () => {
  it('is true only for the status an error was given, not one inferred from its code', () => {
    const answered = new BacalhauError('bad spec', { code: ErrorCode.BadRequest, httpStatus: 400 });
    expect([hasHttpStatus(answered, 400), hasHttpStatus(answered, 413)]).toEqual([true, false]);
    expect(hasHttpStatus(new BacalhauError('bad spec', { code: ErrorCode.BadRequest }), 400)).toBe(false);
    expect(hasHttpStatus(Object.assign(new Error('x'), { httpStatus: 400 }), 400)).toBe(false);
  });
});
