/**
 * The ANSI styles of Bacalhau's CLI (Go's `output.BoldStr`, `RedStr`, …). Go prints them even into
 * pipes and files; here they appear only where tables are coloured too (a terminal, or FORCE_COLOR).
 */
import { colorsEnabled, type OutputTarget } from './output.js';

export interface Styles {
  bold(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const reset = '\x1b[0m';
const ansi = (code: string) => (text: string) => `\x1b[${code}m${text}${reset}`;
const plain = (text: string): string => text;

export function styles(target: OutputTarget): Styles {
  if (!colorsEnabled(target)) return { bold: plain, red: plain, green: plain, yellow: plain };
  return { bold: ansi('1'), red: ansi('31'), green: ansi('32'), yellow: ansi('33') };
}
