/** Reading what the user types: a line (answers to prompts), or a password without echoing it. */
import type { CliContext, TextSink } from './context.js';

/** The first line of standard input, without its newline ('' at its end). */
export async function readLine(stdin: CliContext['stdin']): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}

/** A terminal on standard input (Node's `tty.ReadStream`), which can stop echoing. */
interface Terminal {
  isTTY: true;
  setRawMode(raw: boolean): unknown;
}

export function isTerminal(stdin: CliContext['stdin']): stdin is CliContext['stdin'] & Terminal {
  const s = stdin as Partial<Terminal>;
  return s.isTTY === true && typeof s.setRawMode === 'function';
}

/**
 * Shows `prompt` on `out` and reads a line from the terminal with echo off (Go's `term.ReadPassword`):
 * the terminal is put in raw mode before the prompt appears, so that nothing typed is echoed, and this
 * handles Enter, Backspace, Ctrl+C (rejects: `interrupted`) and Ctrl+D (rejects: `EOF` when nothing was
 * typed); the terminal is restored whatever happens, and the newline Enter would have echoed is printed.
 */
export async function readHiddenLine(
  stdin: CliContext['stdin'] & Terminal,
  out: TextSink,
  prompt: string,
): Promise<string> {
  stdin.setRawMode(true);
  out.write(prompt);
  let typed = '';
  try {
    for await (const chunk of stdin) {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return typed;
        if (char === '\u0003') throw new Error('interrupted');
        if (char === '\u0004') {
          if (typed === '') throw new Error('EOF');
          return typed;
        }
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += char;
      }
    }
    throw new Error('EOF');
  } finally {
    stdin.setRawMode(false);
    out.write('\n');
  }
}
