/** The API's small parts on their own: paging tokens, version checks, query parsing, JSON, browser safety. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode } from '../../../src/api/apimodels/base64.js';
import { decodePagingToken, encodePagingToken } from '../../../src/api/apimodels/paging-token.js';
import { goJson } from '../../../src/api/server/json.js';
import { parseQuery, StringEnum, UInt32 } from '../../../src/api/server/query.js';
import { checkClientVersion, compareSemVer, parseSemVer } from '../../../src/api/server/version-check.js';
import { BacalhauError } from '../../../src/models/bacerrors.js';
import { goTimeString } from '../../../src/models/go-time.js';

describe('paging token', () => {
  it('is base64 RawURL of "<SortBy>:<Y|N>:<Limit>:<Offset>", as Go writes it', () => {
    const token = encodePagingToken({ sortBy: 'created_at', sortReverse: false, limit: 10, offset: 20 });
    expect(token).toBe('Y3JlYXRlZF9hdDpOOjEwOjIw');
    expect(decodePagingToken(token)).toEqual({
      sortBy: 'created_at',
      sortReverse: false,
      limit: 10,
      offset: 20,
    });
    expect(decodePagingToken(Buffer.from('modified_at:Y:0:5').toString('base64url'))).toEqual({
      sortBy: 'modified_at',
      sortReverse: true,
      limit: 0,
      offset: 5,
    });
  });

  it('round-trips and matches Node\u2019s base64url for any token', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }).filter((s) => !s.includes(':')),
        fc.boolean(),
        fc.nat({ max: 2 ** 32 - 1 }),
        fc.nat({ max: 2 ** 32 - 1 }),
        (sortBy, sortReverse, limit, offset) => {
          const token = encodePagingToken({ sortBy, sortReverse, limit, offset });
          const raw = `${sortBy}:${sortReverse ? 'Y' : 'N'}:${limit}:${offset}`;
          expect(token).toBe(Buffer.from(raw).toString('base64url'));
          expect(decodePagingToken(token)).toEqual({ sortBy, sortReverse, limit, offset });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses malformed tokens with Go\u2019s messages', () => {
    const message = (text: string): string => {
      try {
        decodePagingToken(text);
      } catch (err) {
        expect(err).toBeInstanceOf(BacalhauError);
        expect((err as BacalhauError).httpStatus).toBe(400);
        return (err as BacalhauError).message;
      }
      throw new Error('accepted');
    };
    expect(message('!!')).toBe('failed to decode paging token: invalid paging token: !!');
    expect(message('abcde')).toBe('failed to decode paging token: invalid paging token: abcde');
    expect(message('YWJj')).toBe('invalid number of parts: invalid paging token: YWJj');
    const enc = (s: string): string => Buffer.from(s).toString('base64url');
    expect(message(enc('a:N:-1:0'))).toMatch(/^malformed token: /);
    expect(message(enc('a:N:1:4294967296'))).toMatch(/^malformed token: /);
    expect(message(enc('a:N:1:2:3:4'))).toMatch(/^invalid number of parts: /);
    expect(message(enc('a:N:1:2:-3'))).toMatch(/^malformed token: /);
    expect(message(enc('a:N:1:2:'))).toMatch(/^malformed token: /);
    expect(message(enc('a:N:1:2:9007199254740993'))).toMatch(/^malformed token: /);
    // a long one is quoted in part: the client has it whole
    expect(message(`!${'x'.repeat(100_000)}`)).toBe(
      `failed to decode paging token: invalid paging token: !${'x'.repeat(199)}…`,
    );
  });

  it("carries a job list's mark as a fifth part (not in Go's tokens)", () => {
    const token = encodePagingToken({
      sortBy: 'created_at',
      sortReverse: true,
      limit: 10,
      offset: 20,
      addedUpTo: 1234,
    });
    expect(token).toBe(Buffer.from('created_at:Y:10:20:1234').toString('base64url'));
    expect(decodePagingToken(token)).toEqual({
      sortBy: 'created_at',
      sortReverse: true,
      limit: 10,
      offset: 20,
      addedUpTo: 1234,
    });
  });
});

describe('version check', () => {
  const min = parseSemVer('v1.4.0');
  if (min === undefined) throw new Error('unreachable');

  it('parses Masterminds versions and orders pre-releases first', () => {
    expect(parseSemVer('v1.5')).toEqual({ major: 1, minor: 5, patch: 0, prerelease: '', metadata: '' });
    expect(parseSemVer('1.4.0-rc.1+build')).toEqual({
      major: 1,
      minor: 4,
      patch: 0,
      prerelease: 'rc.1',
      metadata: 'build',
    });
    expect(parseSemVer('latest')).toBeUndefined();
    const cmp = (a: string, b: string): number => compareSemVer(parseSemVer(a) ?? min, parseSemVer(b) ?? min);
    expect(cmp('1.4.0-rc1', '1.4.0')).toBe(-1);
    expect(cmp('1.4.0-alpha.2', '1.4.0-alpha.10')).toBe(-1);
    expect(cmp('1.10.0', '1.9.9')).toBe(1);
    expect(cmp('v1.4.0', '1.4')).toBe(0);
  });

  it('refuses as Go does', () => {
    expect(checkClientVersion('', min, 'v1.9.0')).toBeUndefined();
    expect(checkClientVersion('v0.0.0-xxxxxxx', min, 'v1.9.0')).toBeUndefined();
    expect(checkClientVersion('v1.4.1', min, 'v1.9.0')).toBeUndefined();
    expect(checkClientVersion('nonsense', min, 'v1.9.0')).toEqual({
      status: 400,
      body: { Error: 'Invalid client version nonsense' },
    });
    expect(checkClientVersion('v1.0.0', min, 'v1.9.0')?.status).toBe(403);
  });

  it('formats build dates as Go\u2019s time.String()', () => {
    expect(goTimeString('2024-08-19T20:40:00Z')).toBe('2024-08-19 20:40:00 +0000 UTC');
    expect(goTimeString('0001-01-01T00:00:00Z')).toBe('0001-01-01 00:00:00 +0000 UTC');
    expect(goTimeString('2024-03-01T00:30:00.5+01:00')).toBe('2024-02-29 23:30:00.5 +0000 UTC');
    expect(goTimeString('soon')).toBe('soon');
  });
});

describe('query parsing', () => {
  const schema = Type.Object({
    limit: Type.Optional(UInt32('')),
    reverse: Type.Optional(Type.Boolean()),
    order_by: Type.Optional(StringEnum(['', 'a', 'b'] as const, '')),
    labels: Type.Optional(Type.Array(Type.String())),
    name: Type.Optional(Type.String()),
  });

  it('reads values as echo binds them', () => {
    expect(
      parseQuery(schema, { limit: ['5', '7'], reverse: 'T', order_by: 'b', labels: 'x=y', name: '' }),
    ).toEqual({
      limit: 5,
      reverse: true,
      order_by: 'b',
      labels: ['x=y'],
    });
    expect(parseQuery(schema, { reverse: 'False', limit: '0', unknown: 'z' })).toEqual({
      reverse: false,
      limit: 0,
    });
    expect(parseQuery(schema, undefined)).toEqual({});
  });

  it('names the parameter it refuses', () => {
    expect(() => parseQuery(schema, { limit: '1.5' })).toThrow(
      `invalid query parameter 'limit': "1.5" is not an integer`,
    );
    expect(() => parseQuery(schema, { reverse: 'yes' })).toThrow(/'reverse'/);
    expect(() => parseQuery(schema, { order_by: 'c' })).toThrow(`"c" is not one of "a", "b"`);
  });
});

describe('base64', () => {
  it('encodes as Go’s StdEncoding and RawURLEncoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(base64Encode(bytes, 'rawurl')).toBe(Buffer.from(bytes).toString('base64url'));
        expect(base64Decode(base64Encode(bytes))).toEqual(bytes);
        expect(base64Decode(base64Encode(bytes, 'rawurl'), 'rawurl')).toEqual(bytes);
      }),
    );
  });

  it('decodes as strictly as Go, naming the offending byte as Go does', () => {
    const error = (text: string, variant: 'std' | 'rawurl' = 'std'): string => {
      try {
        base64Decode(text, variant);
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(new TextDecoder().decode(base64Decode('aGk=\r\n'))).toBe('hi');
    expect(new TextDecoder().decode(base64Decode('aG\nk='))).toBe('hi');
    expect(error('aGk')).toBe('illegal base64 data at input byte 0');
    expect(error('aGVsbG8')).toBe('illegal base64 data at input byte 4');
    expect(error('aGk=aGk=')).toBe('illegal base64 data at input byte 4');
    expect(error('aG==x')).toBe('illegal base64 data at input byte 4');
    expect(error('aG=x')).toBe('illegal base64 data at input byte 2');
    expect(error('aG=')).toBe('illegal base64 data at input byte 3');
    expect(error('a===')).toBe('illegal base64 data at input byte 1');
    expect(error('ab*d')).toBe('illegal base64 data at input byte 2');
    expect(error('a-_b')).toBe('illegal base64 data at input byte 1');
    expect(error('a-_b', 'rawurl')).toBe('ok');
    expect(error('aGk', 'rawurl')).toBe('ok');
    expect(error('aGk=', 'rawurl')).toBe('illegal base64 data at input byte 3');
    expect(error('aGVsb', 'rawurl')).toBe('illegal base64 data at input byte 4');
  });
});

describe('JSON output', () => {
  it('escapes like Go\u2019s json.Encoder unless asked not to, with a trailing newline', () => {
    expect(goJson({ a: '<&>\u2028' })).toBe('{"a":"\\u003c\\u0026\\u003e\\u2028"}\n');
    expect(goJson({ a: '<&>' }, { unescaped: true })).toBe('{"a":"<&>"}\n');
    expect(goJson({ a: 1 }, { pretty: true })).toBe('{\n  "a": 1\n}\n');
  });
});

describe('the client is browser-safe', () => {
  it('imports no node: module and no package, transitively', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');
    const seen = new Set<string>();
    const offending: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        const spec = match[1] ?? '';
        if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
        else offending.push(`${file.slice(root.length)} imports ${spec}`);
      }
    };
    visit(join(root, 'api/client/index.ts'));
    expect(offending).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
  });
});
