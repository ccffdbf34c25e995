import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from './bacerrors.js';
import {
  formatAggregate,
  formatLabelSelector,
  formatLabelSelectorRequirement,
  labelSelectorRequirementString,
  matchesAll,
  matchesLabels,
  parseLabelSelector,
  requirementErrors,
  validateLabelKey,
  validateLabelSelectorRequirement,
  validateLabelSet,
  validateLabelValue,
  type LabelSelectorRequirement,
  type Operator,
} from './selector.js';

const req = (Key: string, op: string, Values?: string[]): LabelSelectorRequirement =>
  Values === undefined ? { Key, Operator: op as Operator } : { Key, Operator: op as Operator, Values };

const keyRegexError =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRegexError =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const prefixRegexError =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and " +
  "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const supported = 'supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"';

describe('validateLabelKey (k8s IsLabelKey)', () => {
  it.each([
    'a',
    'A',
    '1',
    'MyName',
    'my.name',
    '123-abc',
    'a_b',
    'a'.repeat(63),
    'example.com/MyName',
    'bacalhau.org/gpu-type',
    'a/b',
    `${'a'.repeat(253)}/x`,
  ])('%j is valid', (key) => {
    expect(validateLabelKey(key)).toEqual([]);
  });

  it.each<[string, string[]]>([
    ['', ['name part must be non-empty', `name part ${keyRegexError}`]],
    ['-a', [`name part ${keyRegexError}`]],
    ['a-', [`name part ${keyRegexError}`]],
    ['a b', [`name part ${keyRegexError}`]],
    ['🐟', [`name part ${keyRegexError}`]],
    ['a'.repeat(64), ['name part must be no more than 63 bytes']],
    ['é'.repeat(32), ['name part must be no more than 63 bytes', `name part ${keyRegexError}`]],
    ['/a', ['prefix part must be non-empty']],
    ['a/', ['name part must be non-empty', `name part ${keyRegexError}`]],
    ['Example.com/a', [prefixRegexError]],
    ['ex_ample.com/a', [prefixRegexError]],
    [`${'a'.repeat(254)}/x`, ['prefix part must be no more than 253 bytes']],
    [
      'a/b/c',
      [
        `a valid label key ${keyRegexError} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    ],
  ])('%j is invalid', (key, problems) => {
    expect(validateLabelKey(key)).toEqual(problems);
  });
});

describe('validateLabelValue (k8s IsLabelValue)', () => {
  it.each(['', 'a', 'MyValue', 'my_value', '12345', 'a.b-c_d', 'v'.repeat(63)])('%j is valid', (value) => {
    expect(validateLabelValue(value)).toEqual([]);
  });
  it.each<[string, string[]]>([
    ['-x', [valueRegexError]],
    ['x-', [valueRegexError]],
    ['a b', [valueRegexError]],
    ['🐟', [valueRegexError]],
    ['-5', [valueRegexError]],
    ['v'.repeat(64), ['must be no more than 63 bytes']],
    ['-'.repeat(64), ['must be no more than 63 bytes', valueRegexError]],
  ])('%j is invalid', (value, problems) => {
    expect(validateLabelValue(value)).toEqual(problems);
  });
});

describe('validateLabelSet (CLI -l/--labels)', () => {
  it('accepts valid labels, including empty values', () => {
    expect(validateLabelSet({ env: 'prod', 'example.com/tier': '', a: 'b.c-d_e' })).toEqual([]);
  });
  it('reports every bad key and value, by key', () => {
    expect(validateLabelSet({ foo: '🐟', '🐟': 'bar', ok: 'ok' })).toEqual([
      `values[0][foo]: Invalid value: "🐟": ${valueRegexError}`,
      `key: Invalid value: "🐟": name part ${keyRegexError}`,
    ]);
  });
});

describe('validateLabelSelectorRequirement', () => {
  it.each<[string, LabelSelectorRequirement, string[]]>([
    ['in', req('region', 'in', ['eu', 'us']), []],
    ['notin', req('region', 'notin', ['mars']), []],
    ['exists', req('gpu', 'exists'), []],
    ['exists with empty list', req('gpu', 'exists', []), []],
    ['does not exist', req('gpu', '!'), []],
    ['equals', req('env', '=', ['prod']), []],
    ['double equals', req('env', '==', ['prod']), []],
    ['not equals', req('env', '!=', ['prod']), []],
    ['empty value', req('env', '=', ['']), []],
    ['gt', req('cores', 'gt', ['4']), []],
    ['lt', req('cores', 'lt', ['4']), []],
    ['favour_ key', req('favour_region', '=', ['eu']), []],
    ['blank key', req('', '=', ['x']), ['selector key cannot be blank']],
    ['white-space key', req(' \u0085', '=', ['x']), ['selector key cannot be blank']],
    ['in without values', req('a', 'in'), ['selector values cannot be empty for In or NotIn operators']],
    [
      'notin with empty list',
      req('a', 'notin', []),
      ['selector values cannot be empty for In or NotIn operators'],
    ],
    [
      'exists with values',
      req('a', 'exists', ['x']),
      ['selector values must be empty for Exists or KeyNotInImap operators'],
    ],
    [
      '! with values',
      req('a', '!', ['x']),
      ['selector values must be empty for Exists or KeyNotInImap operators'],
    ],
    ['= without value', req('a', '='), ['selector values must have exactly one value for other operators']],
    [
      '== with two',
      req('a', '==', ['x', 'y']),
      ['selector values must have exactly one value for other operators'],
    ],
    [
      'gt with two',
      req('a', 'gt', ['1', '2']),
      ['selector values must have exactly one value for other operators'],
    ],
    [
      'several problems',
      req('', 'in', []),
      ['selector key cannot be blank', 'selector values cannot be empty for In or NotIn operators'],
    ],
    // Problems only k8s NewRequirement finds (the Go scheduler would fail on every evaluation).
    ['bad key', req('my key', '=', ['x']), [`key: Invalid value: "my key": name part ${keyRegexError}`]],
    ['bad value', req('a', '=', ['x y']), [`values[0][a]: Invalid value: "x y": ${valueRegexError}`]],
    [
      'gt with a word',
      req('a', 'gt', ['many']),
      [`values[0]: Invalid value: "many": for 'Gt', 'Lt' operators, the value must be an integer`],
    ],
    ['gt with a negative', req('a', 'lt', ['-1']), [`values[0][a]: Invalid value: "-1": ${valueRegexError}`]],
    [
      'gt with a plus sign',
      req('a', 'gt', ['+1']),
      [`values[0][a]: Invalid value: "+1": ${valueRegexError}`],
    ],
    ['unknown operator', req('a', 'In', ['x']), [`operator: Unsupported value: "In": ${supported}`]],
    ['empty operator', req('a', '', ['x']), [`operator: Unsupported value: "": ${supported}`]],
    [
      'favour_ alone',
      req('favour_', 'exists'),
      [`key: Invalid value: "favour_": name part ${keyRegexError}`],
    ],
    [
      'favour_ with a bad rest',
      req('favour_-x', 'exists'),
      [`key: Invalid value: "-x": name part ${keyRegexError}`],
    ],
  ])('%s', (_name, r, problems) => {
    expect(validateLabelSelectorRequirement(r)).toEqual(problems);
  });

  it('reads unchecked nulls from decoded JSON as Go zero values', () => {
    // A null constraint is a nil pointer in Go (a panic); here it is an empty requirement.
    expect(validateLabelSelectorRequirement(null)).toEqual([
      'selector key cannot be blank',
      'selector values must have exactly one value for other operators',
    ]);
    // A null value decodes to "", which is a valid label value: Go accepts this constraint.
    const nullValue = JSON.parse('{"Key":"a","Operator":"in","Values":[null]}') as LabelSelectorRequirement;
    expect(validateLabelSelectorRequirement(nullValue)).toEqual([]);
    expect(matchesLabels(nullValue, { a: '' })).toBe(true);
    const nullKey = JSON.parse('{"Key":null,"Operator":null}') as LabelSelectorRequirement;
    expect(validateLabelSelectorRequirement(nullKey)).toEqual([
      'selector key cannot be blank',
      'selector values must have exactly one value for other operators',
    ]);
  });

  it('can be limited to the Go submission check', () => {
    expect(validateLabelSelectorRequirement(req('my key', 'foo', ['x']), { k8s: false })).toEqual([]);
    expect(validateLabelSelectorRequirement(req('', 'foo'), { k8s: false })).toEqual([
      'selector key cannot be blank',
      'selector values must have exactly one value for other operators',
    ]);
  });
});

describe('requirementErrors (k8s NewRequirement)', () => {
  it.each<[string, LabelSelectorRequirement, string[]]>([
    ['valid', req('a', 'in', ['x', '']), []],
    [
      'in with absent values',
      req('a', 'in'),
      [`values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty`],
    ],
    [
      'in with an empty list',
      req('a', 'notin', []),
      [`values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`],
    ],
    [
      'exact match with two',
      req('a', '!=', ['x', 'y']),
      [`values: Invalid value: ["x","y"]: exact-match compatibility requires one single value`],
    ],
    [
      'exists with values',
      req('a', 'exists', ['<b>']),
      [
        `values: Invalid value: ["\\u003cb\\u003e"]: values set must be empty for exists and does not exist`,
        `values[0][a]: Invalid value: "<b>": ${valueRegexError}`,
      ],
    ],
    [
      'gt with two non-integers',
      req('k', 'gt', ['1.5', '9223372036854775808']),
      [
        `values: Invalid value: ["1.5","9223372036854775808"]: for 'Gt', 'Lt' operators, exactly one value is required`,
        `values[0]: Invalid value: "1.5": for 'Gt', 'Lt' operators, the value must be an integer`,
        `values[1]: Invalid value: "9223372036854775808": for 'Gt', 'Lt' operators, the value must be an integer`,
      ],
    ],
    ['operator JSON-escaped', req('a', '>', ['1']), [`operator: Unsupported value: "\\u003e": ${supported}`]],
    [
      'key and value problems, key quoted like %q',
      req('a\tb', '=', ['\n']),
      [
        `key: Invalid value: "a\\tb": name part ${keyRegexError}`,
        `values[0][a\tb]: Invalid value: "\\n": ${valueRegexError}`,
      ],
    ],
  ])('%s', (_name, r, errors) => {
    expect(requirementErrors(r)).toEqual(errors);
  });

  it('formatAggregate joins like a k8s aggregate', () => {
    expect(formatAggregate([])).toBe('');
    expect(formatAggregate(['a'])).toBe('a');
    expect(formatAggregate(['a', 'b', 'a'])).toBe('[a, b]');
    expect(formatAggregate(['a', 'a'])).toBe('a');
  });
});

describe('parseLabelSelector', () => {
  it.each<[string, LabelSelectorRequirement[]]>([
    ['', []],
    ['   ', []],
    ['a', [req('a', 'exists')]],
    ['!a', [req('a', '!')]],
    ['a=b', [req('a', '=', ['b'])]],
    ['a==b', [req('a', '==', ['b'])]],
    ['a!=b', [req('a', '!=', ['b'])]],
    ['a>3', [req('a', 'gt', ['3'])]],
    ['a<3', [req('a', 'lt', ['3'])]],
    ['a=', [req('a', '=', [''])]],
    ['a=,b', [req('a', '=', ['']), req('b', 'exists')]],
    ['a in (x)', [req('a', 'in', ['x'])]],
    ['a in (y,x,y)', [req('a', 'in', ['x', 'y'])]],
    ['a notin (z)', [req('a', 'notin', ['z'])]],
    ['a in ()', [req('a', 'in', [''])]],
    ['a in (,)', [req('a', 'in', [''])]],
    ['a in (,x)', [req('a', 'in', ['', 'x'])]],
    ['a in (x,)', [req('a', 'in', ['', 'x'])]],
    ['a in (x,,y)', [req('a', 'in', ['', 'x', 'y'])]],
    ['a in(x)', [req('a', 'in', ['x'])]],
    ['in=in', [req('in', '=', ['in'])]],
    ['a in (in,notin)', [req('a', 'in', ['in', 'notin'])]],
    ['a = b', [req('a', '=', ['b'])]],
    ['\ta\r\n=\nb ', [req('a', '=', ['b'])]],
    ['x=1,x=2', [req('x', '=', ['1']), req('x', '=', ['2'])]],
    ['example.com/gpu=T4', [req('example.com/gpu', '=', ['T4'])]],
    [
      'a=b,c!=d,e in (x,y),f notin (z),!g,h,i>3,j<5',
      [
        req('a', '=', ['b']),
        req('c', '!=', ['d']),
        req('e', 'in', ['x', 'y']),
        req('f', 'notin', ['z']),
        req('g', '!'),
        req('h', 'exists'),
        req('i', 'gt', ['3']),
        req('j', 'lt', ['5']),
      ],
    ],
    [
      // Bacalhau's CLI test: sorted by key, values sorted.
      'scale!=linear,env=prod,region notin (Utumno, Mordor, Isengard),size>42',
      [
        req('env', '=', ['prod']),
        req('region', 'notin', ['Isengard', 'Mordor', 'Utumno']),
        req('scale', '!=', ['linear']),
        req('size', 'gt', ['42']),
      ],
    ],
  ])('%j', (input, expected) => {
    expect(parseLabelSelector(input)).toEqual(expected);
  });

  it('sorts by key byte-wise and keeps equal keys in input order', () => {
    expect(parseLabelSelector('b=2,B=1,b=1,a')).toEqual([
      req('B', '=', ['1']),
      req('a', 'exists'),
      req('b', '=', ['2']),
      req('b', '=', ['1']),
    ]);
  });

  const unable = 'unable to parse requirement: ';
  it.each<[string, string, string | undefined]>([
    [',', "found ',', expected: !, identifier, or 'end of string'", ','],
    [',a', "found ',', expected: !, identifier, or 'end of string'", ','],
    ['=a', "found '=', expected: !, identifier, or 'end of string'", '='],
    ['(a)', "found '(', expected: !, identifier, or 'end of string'", '('],
    ['a,', "found '', expected: identifier after ','", 'end of string'],
    ['a,,b', "found ',', expected: identifier after ','", ','],
    ['a,=b', "found '=', expected: identifier after ','", '='],
    ['!a=b', "found '=', expected: ',' or 'end of string'", '='],
    ['a=b c', "found 'c', expected: ',' or 'end of string'", 'c'],
    ['a=b)', "found ')', expected: ',' or 'end of string'", ')'],
    ['a b', `${unable}found 'b', expected: in, notin, =, ==, !=, gt, lt`, 'b'],
    ['a gt 3', `${unable}found 'gt', expected: in, notin, =, ==, !=, gt, lt`, 'gt'],
    ['a(b)', `${unable}found '(', expected: in, notin, =, ==, !=, gt, lt`, '('],
    ['!', `${unable}found '', expected: identifier`, 'end of string'],
    ['!!a', `${unable}found '!', expected: identifier`, '!'],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'", '!='],
    ['a===b', `${unable}found '=', expected: identifier`, '='],
    ['a=(b)', `${unable}found '(', expected: identifier`, '('],
    ['a in b', `${unable}found 'b' expected: '('`, 'b'],
    ['a in', `${unable}found '' expected: '('`, 'end of string'],
    ['a in (', `${unable}found '', expected: ',', ')' or identifier`, 'end of string'],
    ['a in (=)', `${unable}found '=', expected: ',', ')' or identifier`, '='],
    ['a in (b', `${unable}found '', expected: ',' or ')'`, 'end of string'],
    ['a in (b c)', `${unable}found 'c', expected: ',' or ')'`, 'c'],
    ['a in (b,=)', `${unable}found '=', expected: ',', or identifier`, '='],
    ['-a', `${unable}<nil>: Invalid value: "-a": name part ${keyRegexError}`, '-a'],
    [
      'a/b/c=d',
      `${unable}<nil>: Invalid value: "a/b/c": a valid label key ${keyRegexError} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      'a/b/c',
    ],
    ['a=-x', `${unable}values[0][a]: Invalid value: "-x": ${valueRegexError}`, 'a'],
    [
      'a>x',
      `${unable}values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
      'a',
    ],
    ['a>-5', `${unable}values[0][a]: Invalid value: "-5": ${valueRegexError}`, 'a'],
    [
      'a>',
      `${unable}values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`,
      'a',
    ],
    [
      'a in (-x,-y)',
      `${unable}[values[0][a]: Invalid value: "-x": ${valueRegexError}, values[1][a]: Invalid value: "-y": ${valueRegexError}]`,
      'a',
    ],
  ])('%j fails: %s', (input, message, token) => {
    let caught: unknown;
    try {
      parseLabelSelector(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BacalhauError);
    const err = caught as BacalhauError;
    expect(err.message).toBe(message);
    expect(err.code).toBe(ErrorCode.ValidationError);
    expect(err.details.token).toBe(token);
    expect(err.details.selector).toBe(input);
  });

  it('reports the position of the offending token', () => {
    let caught: unknown;
    try {
      parseLabelSelector('env=prod, region in (eu us)');
    } catch (err) {
      caught = err;
    }
    expect((caught as BacalhauError).details).toEqual({
      selector: 'env=prod, region in (eu us)',
      token: 'us',
      position: '24',
    });
  });

  it('treats a NUL character like k8s: it ends a token and is dropped, or ends the input where a token starts', () => {
    expect(parseLabelSelector('a=b,\u0000c')).toEqual([req('a', '=', ['b']), req('c', 'exists')]);
    expect(() => parseLabelSelector('a=b, \u0000c')).toThrow("found '', expected: identifier after ','");
    expect(() => parseLabelSelector('a\u0000b')).toThrow(
      "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    );
  });
});

describe('formatLabelSelector', () => {
  it.each([
    ['a=b,c!=d,e in (x,y),f notin (z),!g,h,i>3,j<5', 'a=b,c!=d,e in (x,y),f notin (z),!g,h,i>3,j<5'],
    ['a==b', 'a==b'],
    ['a in (),b=', 'a in (),b='],
    ['z in (b,a),y notin (d,c)', 'y notin (c,d),z in (a,b)'],
  ])('%j round-trips as %j', (input, output) => {
    expect(formatLabelSelector(parseLabelSelector(input))).toBe(output);
  });

  it('formats single requirements like k8s Requirement.String', () => {
    expect(formatLabelSelectorRequirement(req('a', 'in', ['y', 'x']))).toBe('a in (x,y)');
    expect(formatLabelSelectorRequirement(req('a', '!', []))).toBe('!a');
    expect(formatLabelSelectorRequirement(req('a', 'exists'))).toBe('a');
    expect(formatLabelSelectorRequirement(req('a', 'gt', ['1']))).toBe('a>1');
    expect(formatLabelSelectorRequirement(req('a', 'lt', ['1']))).toBe('a<1');
    expect(formatLabelSelectorRequirement(req('a', 'weird', ['1']))).toBe('a1');
    expect(formatLabelSelector([])).toBe('');
  });

  it('formats Bacalhau LabelSelectorRequirement.String', () => {
    expect(labelSelectorRequirementString(req('region', 'in', ['eu', 'us']))).toBe('region in eu|us');
    expect(labelSelectorRequirementString(req('gpu', 'exists'))).toBe('gpu exists ');
  });
});

describe('matchesLabels', () => {
  const labels = {
    env: 'prod',
    region: 'eu',
    cores: '8',
    big: '9223372036854775807',
    word: 'many',
    empty: '',
  };
  it.each<[string, LabelSelectorRequirement, boolean]>([
    ['in: value listed', req('region', 'in', ['eu', 'us']), true],
    ['in: value not listed', req('region', 'in', ['us']), false],
    ['in: key absent', req('zone', 'in', ['a']), false],
    ['=: equal', req('env', '=', ['prod']), true],
    ['==: equal', req('env', '==', ['prod']), true],
    ['=: different', req('env', '=', ['dev']), false],
    ['=: empty value matches empty label', req('empty', '=', ['']), true],
    ['=: empty value does not match absent key', req('zone', '=', ['']), false],
    ['notin: value listed', req('region', 'notin', ['eu']), false],
    ['notin: value not listed', req('region', 'notin', ['us']), true],
    ['notin: key absent', req('zone', 'notin', ['a']), true],
    ['!=: different', req('env', '!=', ['dev']), true],
    ['!=: equal', req('env', '!=', ['prod']), false],
    ['!=: key absent', req('zone', '!=', ['x']), true],
    ['exists: present', req('env', 'exists'), true],
    ['exists: present and empty', req('empty', 'exists'), true],
    ['exists: absent', req('zone', 'exists'), false],
    ['!: absent', req('zone', '!'), true],
    ['!: present', req('env', '!'), false],
    ['gt: larger', req('cores', 'gt', ['4']), true],
    ['gt: equal', req('cores', 'gt', ['8']), false],
    ['gt: big integers exactly', req('big', 'gt', ['9223372036854775806']), true],
    ['lt: smaller', req('cores', 'lt', ['16']), true],
    ['lt: larger', req('cores', 'lt', ['2']), false],
    ['lt: negative requirement', req('cores', 'lt', ['-2']), false],
    ['gt: label not an integer', req('word', 'gt', ['1']), false],
    ['gt: requirement not an integer', req('cores', 'gt', ['1.5']), false],
    ['gt: two values', req('cores', 'gt', ['1', '2']), false],
    ['gt: key absent', req('zone', 'gt', ['1']), false],
    ['unknown operator', req('env', 'In', ['prod']), false],
    ['inherited property is not a label', req('constructor', 'exists'), false],
    ['inherited property is absent for notin', req('toString', 'notin', ['x']), true],
  ])('%s', (_name, r, expected) => {
    expect(matchesLabels(r, labels)).toBe(expected);
  });

  it('matchesAll needs every requirement', () => {
    expect(matchesAll([], {})).toBe(true);
    expect(matchesAll(parseLabelSelector('env=prod,region in (eu,us),!gpu,cores>4'), labels)).toBe(true);
    expect(matchesAll(parseLabelSelector('env=prod,gpu'), labels)).toBe(false);
  });
});
