import { describe, expect, it } from 'vitest';
import { expandTemplate, templateVariables } from './template.js';

const vars = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

describe('templateVariables (-V, -E)', () => {
  it('takes -V values, and environment variables whose names match -E', () => {
    const got = templateVariables({
      vars: { image: 'ubuntu' },
      envPattern: '^APP_',
      env: { APP_TAG: '1.0', HOME: '/root', APP_UNSET: undefined },
    });
    expect([...got]).toEqual([
      ['APP_TAG', '1.0'],
      ['image', 'ubuntu'],
    ]);
  });

  it('lets -V win over the environment, and reads "*" as every variable', () => {
    const got = templateVariables({
      vars: { HOME: '/override' },
      envPattern: '*',
      env: { HOME: '/root', A: 'a' },
    });
    expect(got.get('HOME')).toBe('/override');
    expect(got.get('A')).toBe('a');
  });

  it('takes no environment variable without -E', () => {
    expect(templateVariables({ vars: {}, envPattern: '', env: { HOME: '/root' } }).size).toBe(0);
  });

  it('refuses a pattern that is not a regular expression', () => {
    expect(() => templateVariables({ vars: {}, envPattern: '[', env: {} })).toThrow(
      'failed to compile environment variable pattern "[": Unterminated character class',
    );
  });
});

describe('expandTemplate', () => {
  it('replaces {{.Name}} and {{ .Name }}, leaving other text alone', () => {
    expect(
      expandTemplate('Image: {{.image}}\nTag: {{ .tag }}\n', vars({ image: 'ubuntu', tag: '24.04' })),
    ).toBe('Image: ubuntu\nTag: 24.04\n');
  });

  it('trims white space next to {{- and -}}', () => {
    expect(expandTemplate('a   {{- .x -}}   \n b', vars({ x: 'X' }))).toBe('aXb');
  });

  it('drops comments', () => {
    expect(expandTemplate('a{{/* note */}}b', vars({}))).toBe('ab');
  });

  it('names the line, column and key of a missing variable (missingkey=error)', () => {
    expect(() => expandTemplate('Name: x\nImage: {{.image}}\n', vars({}))).toThrow(
      'failed to execute template: template: :2:9: executing "" at <.image>: map has no entry for key "image"',
    );
  });

  it("runs Go's actions: index for hyphenated keys, if/else, printf pipelines", () => {
    const v = vars({ 'my-key': 'MK', a: '1', name: 'x' });
    expect(expandTemplate('{{index . "my-key"}}', v)).toBe('MK');
    expect(expandTemplate('{{ if .a }}yes{{ else }}no{{ end }}', v)).toBe('yes');
    expect(expandTemplate('{{ .name | printf "%q" }}', v)).toBe('"x"');
  });

  it('says what failed to parse, with the line: unclosed actions, unknown functions', () => {
    expect(() => expandTemplate('a\n{{ .x', vars({ x: '1' }))).toThrow(
      'failed to parse template: template: :2: unclosed action',
    );
    expect(() => expandTemplate('{{ default "a" .x }}', vars({}))).toThrow(
      'failed to parse template: template: :1: function "default" not defined',
    );
  });
});
