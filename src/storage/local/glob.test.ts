import { describe, expect, it } from 'vitest';
import { compileGlob, escapeGlob, GlobError } from './glob.js';

// Cases from the behaviour of bmatcuk/doublestar v4, which Bacalhau uses for the allow-list.
describe('compileGlob', () => {
  it.each([
    ['/data', '/data', true],
    ['/data', '/data/x', false],
    ['/data/*', '/data/x', true],
    ['/data/*', '/data/x/y', false],
    ['/data/**', '/data', true],
    ['/data/**', '/data/x/y/z', true],
    ['/data/**', '/database', false],
    ['/data/**/out', '/data/out', true],
    ['/data/**/out', '/data/a/b/out', true],
    ['/data/**/out', '/data/a/b/outs', false],
    ['/**', '/anything/at/all', true],
    ['/data**', '/data/x', false],
    ['/data**', '/database', true],
    ['/d?ta', '/data', true],
    ['/d?ta', '/d/ta', false],
    ['/[a-c]x', '/bx', true],
    ['/[!a-c]x', '/bx', false],
    ['/[^a-c]x', '/dx', true],
    ['/[^a-c]x', '//x', false],
    ['/{a,b/c}/x', '/b/c/x', true],
    ['/{a,b/c}/x', '/c/x', false],
    ['/a{,bc}', '/a', true],
    ['/a\\*b', '/a*b', true],
    ['/a\\*b', '/axb', false],
    ['/a.b', '/axb', false],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(compileGlob(pattern).test(path)).toBe(expected);
  });

  it.each(['/[a', '/{a,b', '/a\\', '/[]a]'])('rejects %s', (pattern) => {
    expect(() => compileGlob(pattern)).toThrow(GlobError);
  });

  it('escapes literal text', () => {
    expect(compileGlob(escapeGlob('/odd[1]{x}*')).test('/odd[1]{x}*')).toBe(true);
  });
});
