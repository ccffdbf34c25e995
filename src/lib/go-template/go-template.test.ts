import { describe, expect, it } from 'vitest';
import { renderGoTemplate, TemplateError } from './index.js';

const data = new Map(
  Object.entries({ name: 'job', 'my-key': 'MK', empty: '', count: '3', zone: 'eu', tag: 'a<b>&"c"' }),
);
const render = (source: string): string => renderGoTemplate(source, data);
const failure = (source: string): TemplateError => {
  try {
    render(source);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error(`rendered: ${source}`);
};

// Outputs as Go 1.22's text/template gives them for the same template and map[string]string.
describe('Go text/template, as job spec templates use it', () => {
  it.each([
    ['plain text, no actions', 'Type: batch\n', 'Type: batch\n'],
    ['fields', 'Name: {{.name}}-{{ .zone }}', 'Name: job-eu'],
    ['index for a key that is not an identifier', '{{index . "my-key"}}', 'MK'],
    ['index of a missing key is empty', '[{{index . "nope"}}]', '[]'],
    ['trim markers', 'a  {{- .name -}}  \n b', 'ajobb'],
    ['comments', 'a{{/* a note */}}b{{- /* trimmed */ -}} c', 'abc'],
    ['if / else', '{{if .empty}}yes{{else}}no{{end}}', 'no'],
    ['else if', '{{if .empty}}1{{else if .zone}}2{{else}}3{{end}}', '2'],
    ['with sets dot', '{{with .zone}}zone={{.}}{{end}}', 'zone=eu'],
    ['with else', '{{with .empty}}x{{else}}none{{end}}', 'none'],
    [
      'range over the map, in key order',
      '{{range $k, $v := .}}{{$k}} {{end}}',
      'count empty my-key name tag zone ',
    ],
    ['range over an integer', '{{range $i := 3}}{{$i}}{{end}}', '012'],
    ['variables', '{{$z := .zone}}{{$z}}{{$z = "us"}}-{{$z}}', 'eu-us'],
    ['$ is the data', '{{with .zone}}{{$.name}}{{end}}', 'job'],
    ['pipelines', '{{.name | printf "%s-%s" "x"}}', 'x-job'],
    ['parentheses', '{{printf "%d" (len .name)}}', '3'],
    [
      'printf verbs',
      '{{printf "%q %5s|%-4s|%03d %.2f %x %t %v%%" .zone "a" "b" 7 3.14159 255 true 1.5}}',
      '"eu"     a|b   |007 3.14 ff true 1.5%',
    ],
    [
      'printf with a missing and an extra argument',
      '{{printf "%s %s" "a"}}|{{printf "x" 1}}',
      'a %!s(MISSING)|x%!(EXTRA int=1)',
    ],
    ['print spaces only between non-strings', '{{print "a" "b" 1 2 "c"}}', 'ab1 2c'],
    ['println', '{{println "a" 1}}', 'a 1\n'],
    [
      'comparisons',
      '{{eq .zone "eu"}} {{eq .zone "us" "eu"}} {{ne 1 2}} {{lt "a" "b"}} {{ge 2 3}}',
      'true true true true false',
    ],
    [
      'and / or return an operand',
      '{{and .zone .name}} {{or .empty "default"}} {{not .empty}}',
      'job default true',
    ],
    [
      'and / or stop at the operand that decides',
      '{{and .empty .missing}}|{{or .zone .missing}}|{{and (index . "mode") (eq .mode "x")}}',
      '|eu|',
    ],
    ['len counts bytes', '{{len "héllo"}} {{len .}}', '6 6'],
    ['slice', '{{slice .name 1}} {{slice .name 0 2}}', 'ob jo'],
    [
      'html, js, urlquery',
      '{{html .tag}} {{js "it\'s"}} {{urlquery "a b&c"}}',
      "a&lt;b&gt;&amp;&#34;c&#34; it\\'s a+b%26c",
    ],
    [
      'js and urlquery as Go escapes them',
      '{{js "é<=\x01"}} {{urlquery "a!b c*(x)é"}} {{urlquery 1 2}}',
      'é\\u003C\\u003D\\u0001 a%21b+c%2A%28x%29%C3%A9 1+2',
    ],
    ['literals', '{{"tab\\tquote\\""}} {{`raw\\n`}} {{1.5}} {{print nil}}', 'tab\tquote" raw\\n 1.5 <nil>'],
    ['a string with }} inside', '{{"}}"}}', '}}'],
    ['a field of a parenthesised value', '{{(.).zone}} {{with $v := .}}{{($v).name}}{{end}}', 'eu job'],
    [
      'define and template, with the dot given',
      '{{define "img"}}{{.}}:latest{{end}}Image: {{template "img" .name}}',
      'Image: job:latest',
    ],
    [
      'block: defines and runs in place',
      '{{block "zone" .}}zone={{.zone}}{{end}}/{{template "zone" .}}',
      'zone=eu/zone=eu',
    ],
    ['$ in a template is the data it was given', '{{define "t"}}{{$}}{{end}}{{template "t" "x"}}', 'x'],
    [
      'a large integer range, ended early',
      '{{range $i := 100000000}}{{if eq $i 2}}{{break}}{{end}}{{$i}}{{end}}',
      '01',
    ],
    [
      'a template given no value prints <no value>',
      '{{define "t"}}{{.}}{{end}}{{template "t"}}',
      '<no value>',
    ],
    ['%s of a number is a bad verb, as in Go', '{{printf "%s|%s" 3 "x"}}', '%!s(int=3)|x'],
    ['js escapes a no-break space, as Go does', '{{js "a\u00a0b"}}', 'a\\u00A0b'],
    [
      'break and continue',
      '{{range $i := 5}}{{if eq $i 1}}{{continue}}{{end}}{{if eq $i 3}}{{break}}{{end}}{{$i}}{{end}}',
      '02',
    ],
  ])('%s', (_name, source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it.each([
    [
      'a missing key, with line and column',
      'a\n  {{.nope}}',
      'template: :2:4: executing "" at <.nope>: map has no entry for key "nope"',
    ],
    [
      'a field of a string',
      '{{.name.first}}',
      'template: :1:2: executing "" at <.name.first>: can\'t evaluate field first in type string',
    ],
    [
      'comparing a string with a number',
      '{{eq .count 3}}',
      'template: :1:2: executing "" at <eq .count 3>: error calling eq: incompatible types for comparison',
    ],
    [
      'a wrong number of arguments',
      '{{not 1 2}}',
      'template: :1:2: executing "" at <not 1 2>: wrong number of args for not: want 1 got 2',
    ],
    [
      'an argument to a value',
      '{{.name "x"}}',
      'template: :1:2: executing "" at <.name "x">: name is not a method but has arguments',
    ],
    [
      'an undefined template',
      '{{template "nope"}}',
      'template: :1:2: executing "" at <{{template "nope"}}>: template "nope" not defined',
    ],
    [
      'a template calling itself forever',
      '{{define "r"}}{{template "r"}}{{end}}{{template "r"}}',
      'template: :1:16: executing "" at <{{template "r"}}>: exceeded maximum template depth (1000)',
    ],
    [
      'a field of a parenthesised string',
      '{{(.name).first}}',
      'template: :1:2: executing "" at <(.name).first>: can\'t evaluate field first in type string',
    ],
    [
      'two variables over an integer',
      '{{range $i, $e := 3}}{{end}}',
      'template: :1:0: executing "" at <range>: can\'t use 3 to iterate over more than one variable',
    ],
    [
      'slice with a string index',
      '{{slice "abc" "1"}}',
      'template: :1:2: executing "" at <slice "abc" "1">: error calling slice: cannot index slice/array with type string',
    ],
  ])('execution error: %s', (_name, source, message) => {
    const err = failure(source);
    expect(err.stage).toBe('execute');
    expect(err.message).toBe(message);
  });

  it.each([
    ['an unknown function', 'x\n{{default "a" .x}}', 'template: :2: function "default" not defined'],
    ['an unclosed action', '{{ .name', 'template: :1: unclosed action'],
    ['a missing end', '{{if .name}}x', 'template: :1: unexpected EOF'],
    ['a stray end', 'x{{end}}', 'template: :1: unexpected {{end}}'],
    ['a stray else', '{{else}}', 'template: :1: unexpected {{else}}'],
    ['nil as a command', '{{nil}}', 'template: :1: nil is not a command'],
    ['if without a value', '{{if}}x{{end}}', 'template: :1: missing value for if'],
    ['an unterminated string', '{{"abc}}', 'template: :1: unterminated quoted string'],
    ['break outside range', '{{if .name}}{{break}}{{end}}', 'template: :1: {{break}} outside {{range}}'],
    [
      'define inside an action',
      '{{if .name}}{{define "x"}}y{{end}}{{end}}',
      'template: :1: unexpected <define> in command',
    ],
    ['template without a name', '{{template .name}}', 'template: :1: missing name in {{template}}'],
    [
      'an undefined variable, even in a branch never taken',
      '{{if false}}{{$x}}{{end}}',
      'template: :1: undefined variable "$x"',
    ],
    [
      'a variable past the end of its if',
      '{{if true}}{{$y := 1}}{{end}}{{$y}}',
      'template: :1: undefined variable "$y"',
    ],
    ['assigning an undeclared variable', '{{$z = 1}}', 'template: :1: undefined variable "$z"'],
    ['two declarations outside range', '{{$a, $b := 1}}', 'template: :1: too many declarations in command'],
    [
      'three declarations in range',
      '{{range $a, $b, $c := .}}{{end}}',
      'template: :1: too many declarations in range',
    ],
    [
      "break in a range's else",
      '{{range .}}{{else}}{{break}}{{end}}',
      'template: :1: {{break}} outside {{range}}',
    ],
    [
      'break in a block inside a range',
      '{{range .}}{{block "b" .}}{{break}}{{end}}{{end}}',
      'template: :1: {{break}} outside {{range}}',
    ],
  ])('parse error: %s', (_name, source, message) => {
    const err = failure(source);
    expect(err.stage).toBe('parse');
    expect(err.message).toBe(message);
  });
});
