/**
 * Runs a parsed template on the variables map as Go's `text/template` does with `missingkey=error`
 * (Bacalhau's option): a field the map lacks is an error, naming the line, column and action.
 */
import { TemplateError } from './errors.js';
import { Functions } from './functions.js';
import type { Command, ControlNode, Node, Operand, ParsedTemplate, Pipeline } from './parse.js';
import { isVars, show, truth, typeName, type Value } from './values.js';

/** Variables in scope, innermost last; the outermost holds `$`, the data the template runs on. */
type Scopes = Map<string, Value>[];

/** How deep `{{template}}` calls may nest (Go allows 100000; a JavaScript stack holds far fewer). */
const MaxTemplateDepth = 1000;

/** Thrown by `{{break}}` / `{{continue}}` to the innermost `range`. */
const BreakSignal = new Error('break');
const ContinueSignal = new Error('continue');

export function execute(source: string, parsed: ParsedTemplate, data: ReadonlyMap<string, string>): string {
  let out = '';
  let depth = 0;
  const fail = (pos: number, node: string, problem: string): never => {
    throw TemplateError.exec(source, pos, node, problem);
  };

  function run(list: readonly Node[], dot: Value, scopes: Scopes): void {
    for (const node of list) {
      if (node.kind === 'text') {
        out += node.text;
      } else if (node.kind === 'action') {
        const value = pipeline(node.pipe, dot, scopes);
        if (node.pipe.vars.length === 0) out += show(value);
      } else if (node.kind === 'range') {
        range(node, dot, scopes);
      } else if (node.kind === 'break') {
        throw BreakSignal;
      } else if (node.kind === 'continue') {
        throw ContinueSignal;
      } else if (node.kind === 'template') {
        const body = parsed.defined.get(node.name);
        if (body === undefined) return fail(node.pos, node.text, `template "${node.name}" not defined`);
        if (++depth > MaxTemplateDepth) {
          return fail(node.pos, node.text, `exceeded maximum template depth (${MaxTemplateDepth})`);
        }
        // no pipeline: the template runs on no value at all (it prints `<no value>`), as in Go
        const value = node.pipe === undefined ? undefined : pipeline(node.pipe, dot, scopes);
        run(body, value, [new Map<string, Value>([['$', value]])]);
        depth--;
      } else {
        const inner: Scopes = [...scopes, new Map<string, Value>()];
        const value = pipeline(node.pipe, dot, inner);
        if (truth(value)) run(node.list, node.kind === 'with' ? value : dot, inner);
        else if (node.elseList !== undefined) run(node.elseList, dot, inner);
      }
    }
  }

  function range(node: ControlNode, dot: Value, scopes: Scopes): void {
    const inner: Scopes = [...scopes, new Map<string, Value>()];
    const declared = node.pipe.vars;
    const value = pipeline({ ...node.pipe, vars: [] }, dot, inner);
    let entries: [Value, Value][];
    if (isVars(value)) {
      entries = [...value.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    } else if (typeof value === 'number' && Number.isInteger(value)) {
      if (declared.length > 1) {
        return fail(node.pipe.pos, 'range', `can't use ${value} to iterate over more than one variable`);
      }
      return rangeOver(node, Math.max(0, value), dot, inner);
    } else if (value === null || value === undefined) {
      entries = [];
    } else {
      return fail(node.pipe.pos, 'range', `range can't iterate over ${show(value)}`);
    }
    if (entries.length === 0) {
      if (node.elseList !== undefined) run(node.elseList, dot, inner);
      return;
    }
    for (const [key, element] of entries) {
      const frame = new Map<string, Value>();
      if (declared.length === 1) frame.set(declared[0]!, element);
      if (declared.length === 2) frame.set(declared[0]!, key).set(declared[1]!, element);
      if (!iterate(node, element, [...inner, frame])) break;
    }
  }

  /** `range N`: 0 to N-1, one at a time (N may be large; nothing is built up front). */
  function rangeOver(node: ControlNode, count: number, dot: Value, scopes: Scopes): void {
    if (count === 0 && node.elseList !== undefined) run(node.elseList, dot, scopes);
    const [name] = node.pipe.vars;
    for (let i = 0; i < count; i++) {
      const frame = new Map<string, Value>(name === undefined ? [] : [[name, i]]);
      if (!iterate(node, i, [...scopes, frame])) break;
    }
  }

  /** Runs one iteration's body; false when it ended with `{{break}}`. */
  function iterate(node: ControlNode, element: Value, scopes: Scopes): boolean {
    try {
      run(node.list, element, scopes);
    } catch (signal) {
      if (signal === BreakSignal) return false;
      if (signal !== ContinueSignal) throw signal;
    }
    return true;
  }

  function pipeline(pipe: Pipeline, dot: Value, scopes: Scopes): Value {
    let value: Value;
    let piped = false;
    for (const cmd of pipe.commands) {
      value = command(cmd, dot, scopes, piped ? [value] : []);
      piped = true;
    }
    for (const name of pipe.vars) {
      if (!pipe.assign) scopes.at(-1)!.set(name, value);
      else {
        const scope = [...scopes].reverse().find((s) => s.has(name));
        if (scope === undefined) return fail(pipe.pos, name, `undefined variable: ${name}`);
        scope.set(name, value);
      }
    }
    return value;
  }

  function command(cmd: Command, dot: Value, scopes: Scopes, piped: Value[]): Value {
    const [first, ...rest] = cmd.args;
    if (
      first?.kind === 'func' &&
      (first.name === 'and' || first.name === 'or') &&
      rest.length + piped.length > 0
    ) {
      // Go (1.18 on) stops at the first operand that decides, so `and (index . "k") .k` is safe
      const decided = first.name === 'and' ? (v: Value) => !truth(v) : truth;
      let value: Value;
      for (const arg of rest) {
        value = operand(arg, dot, scopes, cmd);
        if (decided(value)) return value;
      }
      return piped.length > 0 ? piped[0] : value;
    }
    if (first?.kind === 'func') {
      const args = [...rest.map((arg) => operand(arg, dot, scopes, cmd)), ...piped];
      try {
        return Functions[first.name]!(args);
      } catch (err) {
        return fail(cmd.pos, cmd.text, (err as Error).message);
      }
    }
    if (rest.length > 0 || piped.length > 0 || first === undefined) {
      const name = first?.kind === 'field' || first?.kind === 'var' ? first.names.at(-1) : undefined;
      const problem =
        name === undefined
          ? `can't give argument to non-function ${cmd.text.split(/\s/u)[0] ?? ''}`
          : `${name} is not a method but has arguments`;
      return fail(cmd.pos, cmd.text, problem);
    }
    return operand(first, dot, scopes, cmd);
  }

  function operand(op: Operand, dot: Value, scopes: Scopes, cmd: Command): Value {
    switch (op.kind) {
      case 'literal':
        return op.value;
      case 'dot':
        return dot;
      case 'field':
        return fields(dot, op.names, op.pos, `.${op.names.join('.')}`);
      case 'var': {
        const scope = [...scopes].reverse().find((s) => s.has(op.name));
        if (scope === undefined) return fail(op.pos, op.name, `undefined variable: ${op.name}`);
        return fields(scope.get(op.name), op.names, op.pos, [op.name, ...op.names].join('.'));
      }
      case 'pipe': {
        const value = pipeline(op.pipe, dot, [...scopes, new Map<string, Value>()]);
        return fields(value, op.names, op.pos, cmd.text);
      }
      case 'func':
        try {
          return Functions[op.name]!([]);
        } catch (err) {
          return fail(op.pos, cmd.text, (err as Error).message);
        }
    }
  }

  function fields(base: Value, names: readonly string[], pos: number, text: string): Value {
    let value = base;
    for (const name of names) {
      if (isVars(value)) {
        if (!value.has(name)) return fail(pos, text, `map has no entry for key "${name}"`);
        value = value.get(name);
      } else {
        return fail(pos, text, `can't evaluate field ${name} in type ${typeName(value)}`);
      }
    }
    return value;
  }

  run(parsed.root, data, [new Map<string, Value>([['$', data]])]);
  return out;
}
