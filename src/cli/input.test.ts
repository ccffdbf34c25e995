import { describe, expect, it } from 'vitest';
import { InputInterrupted, InputReader, isTerminal, readHiddenLine, readLine } from './input.js';

/** A terminal in raw mode sending `chunks` as keystrokes; records the raw-mode switches. */
function terminal(...chunks: string[]) {
  const modes: boolean[] = [];
  return {
    modes,
    // Keystrokes arrive one chunk per read, as from a terminal.
    stdin: Object.assign(
      (function* () {
        yield* chunks;
      })(),
      { isTTY: true as const, setRawMode: (raw: boolean) => modes.push(raw) },
    ),
  };
}

describe('reading input', () => {
  it('readLine: the first line, without its newline, or what came before the end', async () => {
    expect(await readLine(['y', 'es\nno\n'])).toBe('yes');
    expect(await readLine(['no newline'])).toBe('no newline');
    expect(await readLine([])).toBe('');
  });

  it('readHiddenLine: typed keys up to Enter, Backspace deleting, terminal restored', async () => {
    let shown = '';
    const out = { write: (s: string) => void (shown += s) };
    const t = terminal('sec', 'x\u007fret\r', 'ignored');
    expect(isTerminal(t.stdin)).toBe(true);
    expect(await readHiddenLine(t.stdin, out, 'Password: ')).toBe('secret');
    expect(t.modes).toEqual([true, false]);
    expect(shown).toBe('Password: \n'); // the prompt, and only the newline Enter would have echoed
  });

  it('readHiddenLine: Ctrl+C interrupts, Ctrl+D on nothing is the end of input', async () => {
    const echo = { write: () => undefined };
    const interrupted = terminal('abc\u0003');
    await expect(readHiddenLine(interrupted.stdin, echo, '')).rejects.toThrow('interrupted');
    expect(interrupted.modes).toEqual([true, false]);
    await expect(readHiddenLine(terminal('\u0004').stdin, echo, '')).rejects.toThrow('EOF');
    expect(await readHiddenLine(terminal('ab\u0004').stdin, echo, '')).toBe('ab');
    await expect(readHiddenLine(terminal('never ends').stdin, echo, '')).rejects.toThrow('EOF');
  });

  it('InputReader: answers to several prompts from one input, whatever its chunks', async () => {
    const piped = new InputReader(['2\nopen ', 'sesame\r\nlast']);
    expect(await piped.line()).toBe('2');
    expect(await piped.line()).toBe('open sesame');
    expect(await piped.line()).toBe('last');
    expect(await piped.line()).toBeUndefined();

    const echo = { write: () => undefined };
    const t = terminal('1\r', 'sec', 'ret\rmore');
    const typed = new InputReader(t.stdin);
    expect(await typed.hiddenLine(echo, '')).toBe('1');
    expect(await typed.hiddenLine(echo, '')).toBe('secret');
    expect(await typed.line()).toBe('more');
    expect(t.modes).toEqual([true, false, true, false]);
  });

  it('InputReader: a read waiting when the signal aborts is interrupted', async () => {
    const controller = new AbortController();
    const never = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => undefined) }) };
    const reading = new InputReader(never, controller.signal).line();
    controller.abort();
    await expect(reading).rejects.toBeInstanceOf(InputInterrupted);
    await expect(new InputReader(['x\n'], controller.signal).line()).rejects.toBeInstanceOf(InputInterrupted);
  });

  it('a pipe is not a terminal', () => {
    expect(isTerminal(['x'])).toBe(false);
  });
});
