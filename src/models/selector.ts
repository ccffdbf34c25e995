/**
 * Label selectors (Bacalhau `pkg/models/selector.go` over k8s `apimachinery/pkg/labels`, v0.36.3 as
 * pinned by Bacalhau): job `Constraints` on node labels, the CLI `--constraints` syntax, and the k8s
 * label key/value rules.
 *
 * Where each check lives in Bacalhau:
 * - submission (`Job.ValidateSubmission` → `LabelSelectorRequirement.Validate`): only a non-blank key
 *   and the number of values per operator; the job validator wraps each failing constraint's joined
 *   problems as `constraint <1-based index> validation failed: <problems>`;
 * - scheduling (`ranking.LabelsNodeRanker` → `labels.NewRequirement`): the k8s rules (key syntax,
 *   value syntax, known operator, integer for gt/lt). In Go a constraint that passes submission but
 *   fails these makes every ranking of the job fail, so it can never run;
 * - CLI (`labels.ParseToRequirements`): the selector syntax plus the k8s rules.
 * {@link validateLabelSelectorRequirement} reports the submission problems and, when there are none and
 * `k8s` is not false, the k8s problems too. Submission checks only what Go does (job.ts) and warns of
 * the rest (`constraintWarnings`); the CLI's selector flags refuse both.
 *
 * JSON: `{Key, Operator, Values}` with `Values` omitempty; Operator is the k8s lower-case string.
 */
import { BacalhauError, ErrorCode } from './bacerrors.js';
import { goCompareStrings, goMarshal, goParseInt, goQuote, goTrimSpace } from './go-compat.js';

/** k8s `selection.Operator` values (case-sensitive on the wire). */
export const Operator = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  Equals: '=',
  DoubleEquals: '==',
  NotEquals: '!=',
  GreaterThan: 'gt',
  LessThan: 'lt',
} as const;
export type Operator = (typeof Operator)[keyof typeof Operator];

/** One node-label requirement (Go `models.LabelSelectorRequirement`). */
export interface LabelSelectorRequirement {
  Key: string;
  /** Decoded JSON may carry any string here; the validators report unknown operators. */
  Operator: Operator;
  /** `in`/`notin`: one or more; `exists`/`!`: none; every other operator: exactly one. */
  Values?: string[];
}

/** Keys with this prefix are soft preferences in node ranking (the prefix is removed for matching). */
export const FavourNodeSelectorPrefix = 'favour_';

/** k8s `validRequirementOperators`, in k8s order (binary operators, then unary). */
const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'] as const;
const validOperators: readonly string[] = [...binaryOperators, 'exists', '!'];

// ---------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------

export interface ValidateRequirementOptions {
  /** Also apply the k8s `NewRequirement` rules (default true). False = exactly Bacalhau's submission check. */
  k8s?: boolean;
}

/**
 * Validates one constraint. First Bacalhau's `LabelSelectorRequirement.Validate`, exactly:
 * `selector key cannot be blank` (blank = empty after Go `TrimSpace`);
 * `selector values cannot be empty for In or NotIn operators` (`in`, `notin`);
 * `selector values must be empty for Exists or KeyNotInImap operators` (`exists`, `!`);
 * `selector values must have exactly one value for other operators` (every other operator, including
 * unknown ones). When that finds nothing (and `options.k8s` is not false), the problems k8s
 * `NewRequirement` reports when the scheduler builds the requirement (see {@link requirementErrors}),
 * and, for a `favour_` key, then those of the key without the prefix, as the ranker does.
 */
export function validateLabelSelectorRequirement(
  requirement: LabelSelectorRequirement | null | undefined,
  options: ValidateRequirementOptions = {},
): string[] {
  const r = clean(requirement);
  const problems: string[] = [];
  const values = r.Values ?? [];
  if (goTrimSpace(r.Key) === '') problems.push('selector key cannot be blank');
  const op: string = r.Operator;
  if (op === Operator.In || op === Operator.NotIn) {
    if (values.length === 0) problems.push('selector values cannot be empty for In or NotIn operators');
  } else if (op === Operator.Exists || op === Operator.DoesNotExist) {
    if (values.length !== 0)
      problems.push('selector values must be empty for Exists or KeyNotInImap operators');
  } else if (values.length !== 1) {
    problems.push('selector values must have exactly one value for other operators');
  }
  if (problems.length > 0 || options.k8s === false) return problems;
  const k8s = requirementErrors(r);
  if (k8s.length > 0 || !r.Key.startsWith(FavourNodeSelectorPrefix)) return k8s;
  return requirementErrors({ ...r, Key: r.Key.slice(FavourNodeSelectorPrefix.length) });
}

/**
 * A requirement of decoded JSON with unchecked `null`s replaced by Go's zero values: a null requirement
 * (Go dereferences the nil pointer and panics) is an empty one, null strings are "".
 */
function clean(r: LabelSelectorRequirement | null | undefined): LabelSelectorRequirement {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const out: LabelSelectorRequirement = { Key: text(r?.Key), Operator: text(r?.Operator) as Operator };
  if (Array.isArray(r?.Values)) out.Values = r.Values.map(text);
  return out;
}

/**
 * The field errors of k8s `labels.NewRequirement(r.Key, r.Operator, r.Values)`, each as its Go
 * `Error()` text, duplicates removed, in k8s order:
 * - `key: Invalid value: "<key>": <label key problems joined by "; ">` (see {@link validateLabelKey});
 * - `in`/`notin` without values: `values: Invalid value: null: for 'in', 'notin' operators, values set
 *   can't be empty` (the bad value is the JSON of the list: `null` when absent, `[]` when empty);
 * - `=`/`==`/`!=` without exactly one value: `values: Invalid value: […]: exact-match compatibility
 *   requires one single value`;
 * - `exists`/`!` with values: `values: Invalid value: […]: values set must be empty for exists and does
 *   not exist`;
 * - `gt`/`lt`: `values: Invalid value: […]: for 'Gt', 'Lt' operators, exactly one value is required`
 *   unless exactly one, and for each value that is not an int64 `values[<i>]: Invalid value: "<v>": for
 *   'Gt', 'Lt' operators, the value must be an integer`;
 * - unknown operator: `operator: Unsupported value: "<op>": supported values: "in", "notin", "=", "==",
 *   "!=", "gt", "lt", "exists", "!"`;
 * - each value that is not a label value: `values[<i>][<key>]: Invalid value: "<v>": <problems>` (so a
 *   negative number is refused for gt/lt: label values start with an alphanumeric character).
 * Go joins several as `[a, b]` (see {@link formatAggregate}).
 */
export function requirementErrors(requirement: LabelSelectorRequirement): string[] {
  const r = clean(requirement);
  const errors: string[] = [];
  const key = r.Key;
  const values = r.Values;
  const list = values ?? [];
  const keyProblems = validateLabelKey(key);
  if (keyProblems.length > 0) errors.push(invalid('key', goQuote(key), keyProblems.join('; ')));
  const valuesJson = values === undefined ? 'null' : goJson(values);
  const op: string = r.Operator;
  switch (op) {
    case Operator.In:
    case Operator.NotIn:
      if (list.length === 0) {
        errors.push(invalid('values', valuesJson, "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case Operator.Equals:
    case Operator.DoubleEquals:
    case Operator.NotEquals:
      if (list.length !== 1) {
        errors.push(invalid('values', valuesJson, 'exact-match compatibility requires one single value'));
      }
      break;
    case Operator.Exists:
    case Operator.DoesNotExist:
      if (list.length !== 0) {
        errors.push(invalid('values', valuesJson, 'values set must be empty for exists and does not exist'));
      }
      break;
    case Operator.GreaterThan:
    case Operator.LessThan:
      if (list.length !== 1) {
        errors.push(invalid('values', valuesJson, "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      list.forEach((v, i) => {
        if (goParseInt(v) === undefined) {
          errors.push(
            invalid(`values[${i}]`, goQuote(v), "for 'Gt', 'Lt' operators, the value must be an integer"),
          );
        }
      });
      break;
    default:
      errors.push(
        `operator: Unsupported value: ${goJson(op)}: supported values: ${validOperators.map(goQuote).join(', ')}`,
      );
  }
  list.forEach((v, i) => {
    const problems = validateLabelValue(v);
    if (problems.length > 0) errors.push(invalid(`values[${i}][${key}]`, goQuote(v), problems.join('; ')));
  });
  return [...new Set(errors)];
}

/** A k8s `field.Invalid` error's text. */
function invalid(field: string, badValue: string, detail: string): string {
  return `${field}: Invalid value: ${badValue}: ${detail}`;
}

/** k8s `utilerrors.Aggregate.Error()`: '' for none, the message for one, `[a, b]` for several. */
export function formatAggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : unique.length === 0 ? '' : `[${unique.join(', ')}]`;
}

/**
 * Go `encoding/json` for a string or a string list: like `JSON.stringify`, but `<`, `>`, `&`, U+2028 and
 * U+2029 are escaped and lone surrogates become U+FFFD.
 */
function goJson(value: string | readonly string[]): string {
  const clean = (s: string): string => s.replace(/\p{Surrogate}/gu, '\ufffd');
  return goMarshal(typeof value === 'string' ? clean(value) : value.map(clean));
}

const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelKeyRe = new RegExp(`^${labelKeyFmt}$`);
const labelKeyMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${labelKeyFmt})?`;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);
const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dnsSubdomainFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const dnsSubdomainRe = new RegExp(`^${dnsSubdomainFmt}$`);
const dnsSubdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
/** Longest label name and label value, in UTF-8 bytes. */
export const LabelValueMaxLength = 63;
const dnsSubdomainMaxLength = 253;

/** k8s `RegexError`: the message, examples and pattern, with k8s's exact (double-spaced) punctuation. */
function regexError(message: string, pattern: string, ...examples: string[]): string {
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${pattern}')`;
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * k8s label key rules (`content.IsLabelKey`, a "qualified name"), as k8s's list of problems (empty =
 * valid): an optional prefix (a lower-case DNS subdomain of at most 253 bytes) and `/`, then a name of
 * 1–63 bytes of `[A-Za-z0-9_.-]` that starts and ends with an alphanumeric character. A key with more
 * than one `/` gets a single message.
 */
export function validateLabelKey(key: string): string[] {
  const problems: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') {
      problems.push('prefix part must be non-empty');
    } else {
      if (utf8Length(prefix) > dnsSubdomainMaxLength) {
        problems.push(`prefix part must be no more than ${dnsSubdomainMaxLength} bytes`);
      }
      if (!dnsSubdomainRe.test(prefix)) {
        problems.push(`prefix part ${regexError(dnsSubdomainMsg, dnsSubdomainFmt, 'example.com')}`);
      }
    }
  } else {
    return [
      `a valid label key ${regexError(labelKeyMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === '') problems.push('name part must be non-empty');
  else if (utf8Length(name) > LabelValueMaxLength) {
    problems.push(`name part must be no more than ${LabelValueMaxLength} bytes`);
  }
  if (!labelKeyRe.test(name)) {
    problems.push(`name part ${regexError(labelKeyMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}`);
  }
  return problems;
}

/**
 * k8s label value rules (`content.IsLabelValue`), as k8s's list of problems (empty = valid): empty, or
 * at most 63 bytes of `[A-Za-z0-9_.-]` starting and ending with an alphanumeric character.
 */
export function validateLabelValue(value: string): string[] {
  const problems: string[] = [];
  if (utf8Length(value) > LabelValueMaxLength)
    problems.push(`must be no more than ${LabelValueMaxLength} bytes`);
  if (!labelValueRe.test(value))
    problems.push(regexError(labelValueMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return problems;
}

/**
 * Checks job labels given as `key=value` pairs (CLI `-l/--labels`; Go `labels.Set.AsValidatedSelector`,
 * which builds an `=` requirement per label): the {@link requirementErrors} of every label, by key in
 * byte order. Go stops at the first bad label of a random map order; all are reported here.
 */
export function validateLabelSet(labels: Readonly<Record<string, string>>): string[] {
  return Object.keys(labels)
    .sort(goCompareStrings)
    .flatMap((key) =>
      requirementErrors({ Key: key, Operator: Operator.Equals, Values: [labels[key] ?? ''] }),
    );
}

// ---------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------

/**
 * k8s `Requirement.Matches`: `in`/`=`/`==` need the key with one of the values; `notin`/`!=` match
 * when the key is absent or its value is not listed; `exists`/`!` test presence; `gt`/`lt` need the key,
 * an int64 label value, exactly one int64 requirement value, and a strict comparison. Unknown
 * operators match nothing. Only own properties of `labels` count.
 */
export function matchesLabels(
  requirement: LabelSelectorRequirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const req = clean(requirement);
  const has = Object.hasOwn(labels, req.Key);
  const value = has ? labels[req.Key] : undefined;
  const values = req.Values ?? [];
  const op: string = req.Operator;
  switch (op) {
    case Operator.In:
    case Operator.Equals:
    case Operator.DoubleEquals:
      return value !== undefined && values.includes(value);
    case Operator.NotIn:
    case Operator.NotEquals:
      return value === undefined || !values.includes(value);
    case Operator.Exists:
      return has;
    case Operator.DoesNotExist:
      return !has;
    case Operator.GreaterThan:
    case Operator.LessThan: {
      if (value === undefined) return false;
      const actual = goParseInt(value);
      const [only] = values;
      if (actual === undefined || values.length !== 1 || only === undefined) return false;
      const wanted = goParseInt(only);
      if (wanted === undefined) return false;
      return op === Operator.GreaterThan ? actual > wanted : actual < wanted;
    }
    default:
      return false;
  }
}

/** Every requirement matches (an empty list matches everything), as a k8s selector. */
export function matchesAll(
  reqs: readonly LabelSelectorRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return reqs.every((r) => matchesLabels(r, labels));
}

// ---------------------------------------------------------------------------------------------------
// Selector syntax (k8s `labels.Parse` / `ParseToRequirements`)
// ---------------------------------------------------------------------------------------------------

type TokenKind = 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

interface Token {
  kind: TokenKind;
  literal: string;
  /** UTF-16 offset in the input where the token starts. */
  position: number;
}

const symbolTokens: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['<', '<'],
  ['!=', '!='],
  ['(', '('],
]);

const isSelectorSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSelectorSymbol = (c: string): boolean => '=!(),><'.includes(c) && c !== '';

/**
 * The k8s lexer. Quirk kept: Go's lexer reads a NUL character as its end-of-input marker, so a NUL
 * where a token starts ends the input, and a NUL inside a token ends that token and is dropped.
 */
function lex(input: string): Token[] {
  const END = '\u0000';
  let pos = 0;
  const read = (): string => (pos < input.length ? (input[pos++] ?? END) : END);
  const tokens: Token[] = [];
  for (;;) {
    while (pos < input.length && isSelectorSpace(input[pos] ?? '')) pos++;
    const start = pos;
    const ch = read();
    if (ch === END) {
      tokens.push({ kind: 'eos', literal: '', position: start });
      return tokens;
    }
    if (isSelectorSymbol(ch)) {
      // Longest symbol token: `==` and `!=` over `=` and `!`.
      let buffer = ch;
      let kind: TokenKind = symbolTokens.get(buffer) ?? ',';
      for (;;) {
        const next = read();
        if (next === END) break;
        if (!isSelectorSymbol(next)) {
          pos--;
          break;
        }
        const longer = symbolTokens.get(buffer + next);
        if (longer === undefined) {
          pos--;
          break;
        }
        buffer += next;
        kind = longer;
      }
      tokens.push({ kind, literal: buffer, position: start });
      continue;
    }
    let buffer = ch;
    for (;;) {
      const next = read();
      if (next === END) break;
      if (isSelectorSymbol(next) || isSelectorSpace(next)) {
        pos--;
        break;
      }
      buffer += next;
    }
    const kind: TokenKind = buffer === 'in' ? 'in' : buffer === 'notin' ? 'notin' : 'id';
    tokens.push({ kind, literal: buffer, position: start });
  }
}

class SelectorParseError extends Error {
  constructor(
    message: string,
    readonly token: Token | undefined,
  ) {
    super(message);
  }
}

/**
 * Parses the k8s selector syntax used by `--constraints`, `--selector` and the API's `labels=` query:
 * comma-separated requirements `key`, `!key`, `key=value`, `key==value`, `key!=value`,
 * `key in (a,b)`, `key notin (a,b)`, `key>3`, `key<5`; white space (space, tab, CR, LF) between
 * tokens. An empty value is allowed (`key=`, `key in (,a)`, `key in ()`). Every requirement is checked
 * with the k8s rules. Result: sorted by key (stable), values sorted and de-duplicated, no `Values` for
 * `exists`/`!` (Bacalhau's `ToLabelSelectorRequirements`). An empty or blank string gives [].
 *
 * @throws BacalhauError (ValidationError) with k8s's message, e.g. `found ',', expected: !, identifier,
 *   or 'end of string'`, `unable to parse requirement: found 'x', expected: in, notin, =, ==, !=, gt,
 *   lt`, `unable to parse requirement: <nil>: Invalid value: "-a": name part …`. Details carry the
 *   offending token (`token`) and its UTF-16 offset (`position`). The CLI prefixes `failed to parse node
 *   selector: `.
 */
export function parseLabelSelector(s: string): LabelSelectorRequirement[] {
  try {
    return new SelectorParser(lex(s)).parse();
  } catch (err) {
    if (!(err instanceof SelectorParseError)) throw err;
    const details: Record<string, string> = { selector: s };
    if (err.token !== undefined) {
      details.token = err.token.kind === 'eos' ? 'end of string' : err.token.literal;
      details.position = String(err.token.position);
    }
    throw new BacalhauError(err.message, { code: ErrorCode.ValidationError, component: 'models', details });
  }
}

type Context = 'keyAndOperator' | 'values';

class SelectorParser {
  #position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  #at(context: Context, index: number): Token {
    const token = this.tokens[Math.min(index, this.tokens.length - 1)] ?? {
      kind: 'eos',
      literal: '',
      position: 0,
    };
    // Where values are expected, the keywords `in` and `notin` are plain identifiers.
    if (context === 'values' && (token.kind === 'in' || token.kind === 'notin'))
      return { ...token, kind: 'id' };
    return token;
  }

  #lookahead(context: Context): Token {
    return this.#at(context, this.#position);
  }

  #consume(context: Context): Token {
    return this.#at(context, this.#position++);
  }

  parse(): LabelSelectorRequirement[] {
    const requirements: LabelSelectorRequirement[] = [];
    for (;;) {
      const token = this.#lookahead('values');
      if (token.kind === 'eos') return sortByKey(requirements);
      if (token.kind !== 'id' && token.kind !== '!') {
        throw new SelectorParseError(
          `found '${token.literal}', expected: !, identifier, or 'end of string'`,
          token,
        );
      }
      try {
        requirements.push(this.#parseRequirement());
      } catch (err) {
        if (err instanceof SelectorParseError) {
          throw new SelectorParseError(`unable to parse requirement: ${err.message}`, err.token);
        }
        throw err;
      }
      const after = this.#consume('values');
      if (after.kind === 'eos') return sortByKey(requirements);
      if (after.kind !== ',') {
        throw new SelectorParseError(`found '${after.literal}', expected: ',' or 'end of string'`, after);
      }
      const next = this.#lookahead('values');
      if (next.kind !== 'id' && next.kind !== '!') {
        throw new SelectorParseError(`found '${next.literal}', expected: identifier after ','`, next);
      }
    }
  }

  #parseRequirement(): LabelSelectorRequirement {
    let token = this.#consume('values');
    let operator: string | undefined;
    if (token.kind === '!') {
      operator = Operator.DoesNotExist;
      token = this.#consume('values');
    }
    if (token.kind !== 'id')
      throw new SelectorParseError(`found '${token.literal}', expected: identifier`, token);
    const key = token.literal;
    const keyProblems = validateLabelKey(key);
    if (keyProblems.length > 0) {
      // k8s validates the key here with a nil field path, which prints as `<nil>`.
      throw new SelectorParseError(invalid('<nil>', goQuote(key), keyProblems.join('; ')), token);
    }
    const next = this.#lookahead('values').kind;
    if ((next === 'eos' || next === ',') && operator === undefined) operator = Operator.Exists;
    if (operator === Operator.Exists || operator === Operator.DoesNotExist) {
      // `!key` stops here even when more follows; the caller then reports what follows.
      return this.#build(key, operator, new Set(), token);
    }
    const opToken = this.#consume('keyAndOperator');
    const op = operatorTokens.get(opToken.kind);
    if (op === undefined) {
      throw new SelectorParseError(
        `found '${opToken.literal}', expected: ${binaryOperators.join(', ')}`,
        opToken,
      );
    }
    const values =
      op === Operator.In || op === Operator.NotIn ? this.#parseValues() : this.#parseExactValue();
    return this.#build(key, op, values, token);
  }

  #build(key: string, op: Operator, values: Set<string>, token: Token): LabelSelectorRequirement {
    const sorted = [...values].sort(goCompareStrings);
    const req: LabelSelectorRequirement = { Key: key, Operator: op, Values: sorted };
    const errors = requirementErrors(req);
    if (errors.length > 0) throw new SelectorParseError(formatAggregate(errors), token);
    return sorted.length > 0 ? req : { Key: key, Operator: op };
  }

  #parseValues(): Set<string> {
    const open = this.#consume('values');
    if (open.kind !== '(') throw new SelectorParseError(`found '${open.literal}' expected: '('`, open);
    const first = this.#lookahead('values');
    if (first.kind === 'id' || first.kind === ',') {
      const values = this.#parseIdentifiersList();
      const close = this.#consume('values');
      // k8s reports the token seen after `(`, not the one that is not `)`.
      if (close.kind !== ')') throw new SelectorParseError(`found '${first.literal}', expected: ')'`, close);
      return values;
    }
    if (first.kind === ')') {
      this.#consume('values');
      return new Set(['']);
    }
    throw new SelectorParseError(`found '${first.literal}', expected: ',', ')' or identifier`, first);
  }

  #parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const token = this.#consume('values');
      if (token.kind === 'id') {
        values.add(token.literal);
        const next = this.#lookahead('values');
        if (next.kind === ',') continue;
        if (next.kind === ')') return values;
        throw new SelectorParseError(`found '${next.literal}', expected: ',' or ')'`, next);
      }
      if (token.kind === ',') {
        // An empty value before, between or after commas: `(,a)`, `(a,,b)`, `(a,)`.
        if (values.size === 0) values.add('');
        const next = this.#lookahead('values').kind;
        if (next === ')') {
          values.add('');
          return values;
        }
        if (next === ',') values.add('');
        continue;
      }
      throw new SelectorParseError(`found '${token.literal}', expected: ',', or identifier`, token);
    }
  }

  #parseExactValue(): Set<string> {
    const next = this.#lookahead('values');
    if (next.kind === 'eos' || next.kind === ',') return new Set(['']);
    const token = this.#consume('values');
    if (token.kind === 'id') return new Set([token.literal]);
    throw new SelectorParseError(`found '${token.literal}', expected: identifier`, token);
  }
}

const operatorTokens: ReadonlyMap<TokenKind, Operator> = new Map<TokenKind, Operator>([
  ['in', Operator.In],
  ['=', Operator.Equals],
  ['==', Operator.DoubleEquals],
  ['>', Operator.GreaterThan],
  ['<', Operator.LessThan],
  ['notin', Operator.NotIn],
  ['!=', Operator.NotEquals],
]);

/**
 * k8s sorts parsed requirements by key with `sort.Sort`, which is stable below 13 requirements and
 * unspecified for equal keys above; a stable sort gives the same result wherever Go's is defined.
 */
function sortByKey(reqs: LabelSelectorRequirement[]): LabelSelectorRequirement[] {
  return reqs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => goCompareStrings(a.r.Key, b.r.Key) || a.i - b.i)
    .map((x) => x.r);
}

/**
 * One requirement in selector syntax (k8s `Requirement.String`): `!key`, `key`, `key=v`, `key==v`,
 * `key!=v`, `key in (a,b)`, `key notin (a,b)`, `key>v`, `key<v`; several values are sorted.
 */
export function formatLabelSelectorRequirement(r: LabelSelectorRequirement): string {
  const values = r.Values ?? [];
  const op: string = r.Operator;
  const joined = values.length === 1 ? (values[0] ?? '') : [...values].sort(goCompareStrings).join(',');
  switch (op) {
    case Operator.DoesNotExist:
      return `!${r.Key}`;
    case Operator.Exists:
      return r.Key;
    case Operator.Equals:
      return `${r.Key}=${joined}`;
    case Operator.DoubleEquals:
      return `${r.Key}==${joined}`;
    case Operator.NotEquals:
      return `${r.Key}!=${joined}`;
    case Operator.In:
      return `${r.Key} in (${joined})`;
    case Operator.NotIn:
      return `${r.Key} notin (${joined})`;
    case Operator.GreaterThan:
      return `${r.Key}>${joined}`;
    case Operator.LessThan:
      return `${r.Key}<${joined}`;
    default:
      return `${r.Key}${joined}`;
  }
}

/** Requirements in selector syntax, comma-separated in the given order (k8s `Selector.String`). */
export function formatLabelSelector(reqs: readonly LabelSelectorRequirement[]): string {
  return reqs.map(formatLabelSelectorRequirement).join(',');
}

/**
 * Bacalhau's `LabelSelectorRequirement.String()`: `<key> <operator> <values joined by |>`, as it
 * appears in ranking reasons (`labels … don't match required selectors …`).
 */
export function labelSelectorRequirementString(r: LabelSelectorRequirement): string {
  return `${r.Key} ${r.Operator} ${(r.Values ?? []).join('|')}`;
}
