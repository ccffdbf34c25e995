/**
 * Text from elsewhere, made safe to print on a terminal. Job names and labels, execution and node
 * events, a node's or a download server's error text reach the CLI from whoever submitted a job, runs a
 * compute node or serves a result; written raw, their escape sequences (`ESC ]0;…` retitles the window,
 * `ESC [2J` clears it, OSC 52 writes the clipboard, `\r` overwrites the line) act on the reader's
 * terminal. Bacalhau's CLI prints them raw; here every control character other than tab and newline is
 * shown as `\xNN`. Colour codes (SGR, `ESC [ … m`) are kept: the CLI's own styling is made of them, and
 * they can only colour text.
 */

// eslint-disable-next-line no-control-regex
const unsafe = /\x1b\[[0-9;]*m|\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f]/gu;

export function terminalSafe(text: string): string {
  return text.replace(unsafe, (match) => {
    if (match.length > 1) return match === '\r\n' ? '\n' : match;
    return `\\x${match.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
