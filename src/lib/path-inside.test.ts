import { expect, it } from 'vitest';
import { isInsideFolder } from './path-inside.js';

it.each([
  ['/data', '/data', true],
  ['/data/x', '/data', true],
  ['/data/x', '/', true],
  ['/data/x', '/data/', true],
  ['/database', '/data', false],
  ['/dat', '/data', false],
  ['/other', '/data', false],
])('%s inside %s: %s', (path, folder, inside) => {
  expect(isInsideFolder(path, folder)).toBe(inside);
});
