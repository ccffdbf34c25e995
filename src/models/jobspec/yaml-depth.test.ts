import { describe, expect, it } from 'vitest';
import { yamlTooDeepAt } from './yaml-depth.js';

describe('yamlTooDeepAt', () => {
  it('lets ordinary documents through, whatever their block scalars and strings hold', () => {
    const spec = [
      'Type: batch',
      'Tasks:',
      '  - Name: main',
      '    Engine:',
      '      Params:',
      `        Entrypoint: ["sh", "-c", "${'['.repeat(300)}"]`,
      '        Script: |',
      `          ${'['.repeat(300)}`,
      `${' '.repeat(200)}deeply indented line of the script`,
      `# ${'{'.repeat(300)}`,
    ].join('\n');
    expect(yamlTooDeepAt(spec)).toBeUndefined();
    expect(yamlTooDeepAt(`a: ${'[1, '.repeat(200)}${']'.repeat(200)}`)).toBeUndefined();
  });

  it('finds the line where flow collections, indentation or compact entries go past the limit', () => {
    expect(yamlTooDeepAt(`a: 1\n${'['.repeat(1000)}${']'.repeat(1000)}`)).toEqual({ line: 2, column: 257 });
    expect(yamlTooDeepAt(`x: {}\ny: 2\n${'- '.repeat(5000)}x`)).toEqual({ line: 3, column: 257 });
    const indented = Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(yamlTooDeepAt(indented)).toEqual({ line: 258, column: 1 });
    expect(yamlTooDeepAt(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`)?.line).toBe(1);
  });
});
