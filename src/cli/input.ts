/** Reading what the user types: lines (answers to prompts), or a password without echoing it. */
import { raceSignals } from '../lib/abort.js';
import type { CliContext, TextSink } from './context.js';

/** A terminal on standard input (Node's `tty.ReadStream`), which can stop echoing. */
interface Terminal {
  isTTY: true;
  setRawMode(raw: boolean): unknown;
}

export function isTerminal(stdin: CliContext['stdin']): stdin is CliContext['stdin'] & Terminal {
  const s = stdin as Partial<Terminal>;
  return s.isTTY === true && typeof s.setRawMode === 'function';
}

type Chunks = AsyncIterator<Buffer | string> | Iterator<Buffer | string>;

/** The user interrupted a prompt: Ctrl+C typed at a hidden one, or the command's signal aborted. */
export class InputInterrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/**
 * Answers to several prompts from one standard input: what was read past a line's end is kept for the
 * next answer (a pipe delivers `1\nsecret\n` at once), and the input is never closed in between (Node
 * destroys a stream whose iteration is ended early). A read waiting when `signal` aborts (the user's
 * Ctrl+C, which only aborts the command's signal while the terminal echoes) fails with
 * {@link InputInterrupted}.
 */
export class InputReader {
  readonly #stdin: CliContext['stdin'];
  readonly #signal: AbortSignal | undefined;
  #chunks: Chunks | undefined;
  #unread = '';
  #ended = false;

  constructor(stdin: CliContext['stdin'], signal?: AbortSignal) {
    this.#stdin = stdin;
    this.#signal = signal;
  }

  /** Whether answers come from a terminal, where {@link hiddenLine} can hide them. */
  get fromTerminal(): boolean {
    return isTerminal(this.#stdin);
  }

  /** The next line without its newline; what came before the end of input; undefined after it. */
  async line(): Promise<string | undefined> {
    const line = await this.#wholeLine();
    if (line !== undefined || this.#unread === '') return line;
    return this.#take(this.#unread.length);
  }

  /**
   * The next line without its newline, as Go's `bufio.Reader.ReadString('\n')` gives it: an input that
   * ends before the newline fails with `EOF`, what came before it unanswered.
   */
  async terminatedLine(): Promise<string> {
    const line = await this.#wholeLine();
    if (line === undefined) throw new Error('EOF');
    return line;
  }

  /** The next line that ends with a newline; undefined when the input ends first (the rest is kept). */
  async #wholeLine(): Promise<string | undefined> {
    for (;;) {
      const end = this.#unread.indexOf('\n');
      if (end >= 0) return this.#take(end, end + 1);
      if (!(await this.#readMore())) return undefined;
    }
  }

  /**
   * Shows `prompt` on `out` and reads a line from the terminal with echo off (Go's `term.ReadPassword`):
   * the terminal is put in raw mode before the prompt appears, so that nothing typed is echoed, and this
   * handles Enter, Backspace, Ctrl+C (rejects: {@link InputInterrupted}) and Ctrl+D (rejects: `EOF` when
   * nothing was typed); the terminal is restored whatever happens, and the newline Enter would have
   * echoed is printed.
   * @throws Error `not a terminal` when standard input is not one
   */
  async hiddenLine(out: TextSink, prompt: string): Promise<string> {
    const stdin = this.#stdin;
    if (!isTerminal(stdin)) throw new Error('not a terminal');
    stdin.setRawMode(true);
    out.write(prompt);
    let typed = '';
    try {
      for (;;) {
        if (this.#unread === '' && !(await this.#readMore())) throw new Error('EOF');
        const [char = ''] = this.#unread;
        this.#unread = this.#unread.slice(char.length);
        if (char === '\r' || char === '\n') return typed;
        if (char === '\u0003') throw new InputInterrupted();
        if (char === '\u0004') {
          if (typed === '') throw new Error('EOF');
          return typed;
        }
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += char;
      }
    } finally {
      stdin.setRawMode(false);
      out.write('\n');
    }
  }

  #take(end: number, next = end): string {
    const line = this.#unread.slice(0, end);
    this.#unread = this.#unread.slice(next);
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }

  async #readMore(): Promise<boolean> {
    if (this.#ended) return false;
    this.#chunks ??= chunksOf(this.#stdin);
    const next = await raceSignals(Promise.resolve(this.#chunks.next()), [this.#signal], () => {
      return new InputInterrupted();
    });
    if (next.done === true) {
      this.#ended = true;
      return false;
    }
    this.#unread += String(next.value);
    return true;
  }
}

/** Node's readable streams can be iterated without being destroyed when the iteration stops. */
function chunksOf(stdin: CliContext['stdin']): Chunks {
  const stream = stdin as { iterator?: (options: { destroyOnReturn: boolean }) => AsyncIterator<Buffer> };
  if (typeof stream.iterator === 'function') return stream.iterator({ destroyOnReturn: false });
  return Symbol.asyncIterator in stdin ? stdin[Symbol.asyncIterator]() : stdin[Symbol.iterator]();
}

/** The first line of standard input, without its newline ('' at its end). */
export async function readLine(stdin: CliContext['stdin']): Promise<string> {
  return (await new InputReader(stdin).line()) ?? '';
}

/** {@link InputReader.terminatedLine} on a fresh reader of `stdin`. */
export function readTerminatedLine(stdin: CliContext['stdin']): Promise<string> {
  return new InputReader(stdin).terminatedLine();
}

/** {@link InputReader.hiddenLine} on a fresh reader of `stdin`. */
export function readHiddenLine(
  stdin: CliContext['stdin'] & Terminal,
  out: TextSink,
  prompt: string,
): Promise<string> {
  return new InputReader(stdin).hiddenLine(out, prompt);
}
