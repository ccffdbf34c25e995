/**
 * Go `text/template`'s parse tree: text, actions (pipelines of commands, with `$x :=` / `$x =`),
 * `if` / `else if` / `else`, `with` / `else with` / `else`, `range` (with `$i, $e :=`, `break`,
 * `continue`), `define`, `template`, `block` and `end`.
 */
import { TemplateError } from './errors.js';
import { Functions } from './functions.js';
import { lex, type Token } from './lex.js';

/** An argument of a command: a value, a function name, or a parenthesised pipeline. */
export type Operand =
  | { kind: 'field'; names: string[]; pos: number }
  | { kind: 'dot'; pos: number }
  | { kind: 'var'; name: string; names: string[]; pos: number }
  | { kind: 'literal'; value: string | number | boolean | null; pos: number }
  | { kind: 'func'; name: string; pos: number }
  /** `(pipeline)`, with the fields of its value it is followed by: `(index . "k").x` */
  | { kind: 'pipe'; pipe: Pipeline; names: string[]; pos: number };

/** `arg arg …`: a function call when the first is a function, else one value. */
export interface Command {
  readonly args: Operand[];
  readonly pos: number;
  /** The command's source text, for error messages (Go's `at <…>`). */
  readonly text: string;
}

export interface Pipeline {
  /** Variables declared (`:=`) or assigned (`=`) from the pipeline's value. */
  readonly vars: string[];
  readonly assign: boolean;
  readonly commands: Command[];
  readonly pos: number;
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | ControlNode
  | { kind: 'template'; name: string; pipe: Pipeline | undefined; pos: number; text: string }
  | { kind: 'break' }
  | { kind: 'continue' };

/** A parsed template: its own nodes and the templates it defines (`define`, `block`). */
export interface ParsedTemplate {
  readonly root: Node[];
  readonly defined: ReadonlyMap<string, Node[]>;
}

/** `if`, `with` or `range`, with its body and `else` body. */
export interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pipe: Pipeline;
  list: Node[];
  elseList: Node[] | undefined;
}

/** What ended a list of nodes: `{{end}}`, `{{else …}}`, or the end of the template. */
type Terminator =
  { kind: 'end'; pos: number } | { kind: 'else'; tokens: Token[]; pos: number } | { kind: 'eof' };

export function parseTemplate(source: string): ParsedTemplate {
  const items = lex(source);
  const defined = new Map<string, Node[]>();
  let next = 0;
  /** How many `range`s the node being parsed is in (`break` and `continue` need one), and `define`s. */
  let ranges = 0;
  let depth = 0;
  /** Variables declared so far, as Go's parser sees them: a control structure's end forgets its own. */
  let declared: string[] = ['$'];

  function list(): [Node[], Terminator] {
    const nodes: Node[] = [];
    while (next < items.length) {
      const item = items[next++]!;
      if (item.kind === 'text') {
        nodes.push({ kind: 'text', text: item.text });
        continue;
      }
      const [first, ...rest] = item.tokens;
      if (first === undefined) throw TemplateError.parse(source, item.pos, 'missing value for command');
      const keyword = first.kind === 'ident' ? first.name : '';
      if (keyword === 'end') {
        if (rest.length > 0) throw TemplateError.parse(source, item.pos, 'unexpected tokens after end');
        return [nodes, { kind: 'end', pos: item.pos }];
      }
      if (keyword === 'else') return [nodes, { kind: 'else', tokens: rest, pos: item.pos }];
      if (keyword === 'if' || keyword === 'with' || keyword === 'range') {
        depth++;
        nodes.push(control(keyword, rest, item.pos));
        depth--;
      } else if (keyword === 'break' || keyword === 'continue') {
        if (ranges === 0) throw TemplateError.parse(source, item.pos, `{{${keyword}}} outside {{range}}`);
        if (rest.length > 0)
          throw TemplateError.parse(source, item.pos, `unexpected tokens in {{${keyword}}}`);
        nodes.push(keyword === 'break' ? { kind: 'break' } : { kind: 'continue' });
      } else if (keyword === 'define' || keyword === 'block') {
        const name = templateName(keyword, rest, item.pos);
        if (keyword === 'define' && depth > 0)
          throw TemplateError.parse(source, item.pos, 'unexpected <define> in command');
        const pipe = keyword === 'block' ? pipeline(rest.slice(1), item.pos, false) : undefined;
        depth++;
        // a named template is parsed on its own: none of the caller's variables or ranges
        const [outer, outerRanges] = [declared, ranges];
        [declared, ranges] = [['$'], 0];
        const [body, ended] = list();
        [declared, ranges] = [outer, outerRanges];
        depth--;
        if (ended.kind !== 'end') throw TemplateError.parse(source, item.pos, 'unexpected EOF');
        if (defined.has(name))
          throw TemplateError.parse(source, item.pos, `template: multiple definition of template "${name}"`);
        defined.set(name, body);
        if (keyword === 'block')
          nodes.push({ kind: 'template', name, pipe, pos: first.pos, text: `{{block "${name}"}}` });
      } else if (keyword === 'template') {
        const name = templateName(keyword, rest, item.pos);
        const pipe = rest.length > 1 ? pipeline(rest.slice(1), item.pos, false) : undefined;
        nodes.push({ kind: 'template', name, pipe, pos: first.pos, text: `{{template "${name}"}}` });
      } else if (keyword === 'call') {
        throw TemplateError.parse(source, item.pos, 'function "call" not defined');
      } else {
        nodes.push({ kind: 'action', pipe: pipeline(item.tokens, item.pos, true) });
      }
    }
    return [nodes, { kind: 'eof' }];
  }

  /** The quoted name after `define`, `template` or `block`. */
  function templateName(keyword: string, tokens: Token[], pos: number): string {
    const [name] = tokens;
    if (name?.kind !== 'string') throw TemplateError.parse(source, pos, `missing name in {{${keyword}}}`);
    if (keyword === 'define' && tokens.length > 1)
      throw TemplateError.parse(source, pos, 'unexpected tokens in {{define}}');
    if (keyword === 'block' && tokens.length < 2)
      throw TemplateError.parse(source, pos, 'missing value for block');
    return name.value;
  }

  function control(keyword: 'if' | 'with' | 'range', tokens: Token[], pos: number): Node {
    const outer = declared.length;
    try {
      return controlBody(keyword, tokens, pos);
    } finally {
      declared = declared.slice(0, outer);
    }
  }

  function controlBody(keyword: 'if' | 'with' | 'range', tokens: Token[], pos: number): Node {
    if (tokens.length === 0) throw TemplateError.parse(source, pos, `missing value for ${keyword}`);
    const pipe = pipeline(tokens, pos, true, keyword);
    // break and continue belong to a range's own body, not to its else
    if (keyword === 'range') ranges++;
    const [body, ended] = list();
    if (keyword === 'range') ranges--;
    if (ended.kind === 'eof') throw TemplateError.parse(source, pos, 'unexpected EOF');
    if (ended.kind === 'end') return { kind: keyword, pipe, list: body, elseList: undefined };
    const [chained, ...rest] = ended.tokens;
    // `{{else if …}}` / `{{else with …}}`: the rest of the chain shares this node's `{{end}}`
    if (chained?.kind === 'ident' && chained.name === keyword && keyword !== 'range') {
      return { kind: keyword, pipe, list: body, elseList: [control(keyword, rest, ended.pos)] };
    }
    if (ended.tokens.length > 0) throw TemplateError.parse(source, ended.pos, 'unexpected tokens after else');
    const [elseBody, closed] = list();
    if (closed.kind !== 'end') {
      throw TemplateError.parse(
        source,
        ended.pos,
        closed.kind === 'eof' ? 'unexpected EOF' : 'expected end; found else',
      );
    }
    return { kind: keyword, pipe, list: body, elseList: elseBody };
  }

  function pipeline(tokens: Token[], pos: number, allowDecl: boolean, context = 'command'): Pipeline {
    let rest = tokens;
    const vars: string[] = [];
    let assign = false;
    const declEnd = rest.findIndex((t) => t.kind === 'punct' && (t.value === ':=' || t.value === '='));
    if (
      allowDecl &&
      declEnd > 0 &&
      rest.slice(0, declEnd).every((t) => t.kind === 'var' || (t.kind === 'punct' && t.value === ','))
    ) {
      for (const t of rest.slice(0, declEnd)) if (t.kind === 'var') vars.push(t.name);
      const op = rest[declEnd];
      assign = op?.kind === 'punct' && op.value === '=';
      rest = rest.slice(declEnd + 1);
    }
    const commands: Command[] = [];
    let start = 0;
    let depth = 0;
    for (let i = 0; i <= rest.length; i++) {
      const t = rest[i];
      if (t?.kind === 'punct' && t.value === '(') depth++;
      if (t?.kind === 'punct' && t.value === ')') depth--;
      if (t === undefined || (depth === 0 && t.kind === 'punct' && t.value === '|')) {
        commands.push(command(rest.slice(start, i), rest[start]?.pos ?? pos));
        start = i + 1;
      }
    }
    if (vars.length > (context === 'range' ? 2 : 1)) {
      throw TemplateError.parse(source, pos, `too many declarations in ${context}`);
    }
    for (const name of vars) {
      if (!assign) declared.push(name);
      else if (!declared.includes(name))
        throw TemplateError.parse(source, pos, `undefined variable "${name}"`);
    }
    return { vars, assign, commands, pos };
  }

  function command(tokens: Token[], pos: number): Command {
    if (tokens.length === 0) throw TemplateError.parse(source, pos, 'missing command');
    const args: Operand[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind === 'punct' && t.value === '(') {
        let depth = 1;
        let j = i + 1;
        for (; j < tokens.length && depth > 0; j++) {
          const u = tokens[j]!;
          if (u.kind === 'punct') depth += u.value === '(' ? 1 : u.value === ')' ? -1 : 0;
        }
        if (depth > 0) throw TemplateError.parse(source, t.pos, 'unclosed left paren');
        const pipe = pipeline(tokens.slice(i + 1, j - 1), t.pos, false);
        // a field right after the `)`, no space between: a field of the parenthesised value
        const close = tokens[j - 1]!;
        const after = tokens[j];
        const chained = after?.kind === 'field' && after.pos === close.pos + 1 ? after.names : [];
        args.push({ kind: 'pipe', pipe, names: chained, pos: t.pos });
        i = chained.length > 0 ? j : j - 1;
      } else {
        args.push(operand(t));
      }
    }
    const [first] = args;
    if (first?.kind === 'literal' && first.value === null)
      throw TemplateError.parse(source, pos, 'nil is not a command');
    const last = tokens.at(-1)!;
    return { args, pos, text: source.slice(pos, last.pos + tokenLength(last)).trim() };
  }

  function operand(t: Token): Operand {
    switch (t.kind) {
      case 'var':
        if (!declared.includes(t.name))
          throw TemplateError.parse(source, t.pos, `undefined variable "${t.name}"`);
        return t;
      case 'field':
      case 'dot':
        return t;
      case 'string':
      case 'number':
        return { kind: 'literal', value: t.value, pos: t.pos };
      case 'ident':
        if (t.name === 'true' || t.name === 'false')
          return { kind: 'literal', value: t.name === 'true', pos: t.pos };
        if (t.name === 'nil') return { kind: 'literal', value: null, pos: t.pos };
        if (Object.hasOwn(Functions, t.name)) return { kind: 'func', name: t.name, pos: t.pos };
        throw TemplateError.parse(source, t.pos, `function "${t.name}" not defined`);
      case 'punct':
        throw TemplateError.parse(source, t.pos, `unexpected "${t.value}" in operand`);
    }
  }

  function tokenLength(t: Token): number {
    let end = t.pos + 1;
    while (end < source.length && !/[ \t\r\n|()}]/.test(source[end] ?? '')) end++;
    return end - t.pos;
  }

  const [root, ended] = list();
  if (ended.kind === 'end') throw TemplateError.parse(source, ended.pos, 'unexpected {{end}}');
  if (ended.kind === 'else') throw TemplateError.parse(source, ended.pos, 'unexpected {{else}}');
  return { root, defined };
}
