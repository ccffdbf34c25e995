import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { MaxSpecBytes } from '../../../models/jobspec/parse.js';
import { yamlText, YamlEncodingError, YamlEncodingHint } from '../../../models/jobspec/yaml-text.js';
import type { CliContext } from '../../context.js';
import { isTerminal } from '../../input.js';

/**
 * Reads a job spec from a file, or from standard input for "-", refusing anything over 10 MB and
 * anything that is not text (yaml-text.ts).
 */
export async function readJobSpec(file: string, ctx: CliContext): Promise<string> {
  const bytes = await readSpecBytes(file, ctx);
  try {
    return yamlText(bytes);
  } catch (err) {
    if (!(err instanceof YamlEncodingError)) throw err;
    throw badFile(`${file === '-' ? 'standard input' : file}: ${err.message}`, YamlEncodingHint);
  }
}

async function readSpecBytes(file: string, ctx: CliContext): Promise<Buffer> {
  if (file === '-') {
    // Go's words, on stderr; only at a terminal, where a command waiting for input looks hung (Go
    // writes them, without a newline, before piped input too)
    if (isTerminal(ctx.stdin)) ctx.stderr.write('Reading from /dev/stdin; send Ctrl-d to stop.\n');
    return readStdin(ctx.stdin);
  }
  // resolve() would take an empty name for the working directory
  if (file === '') throw badFile('the job spec file name is empty: give a file, or - for standard input');
  const path = resolve(ctx.cwd, file);
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw badFile(`${file} is a directory, not a job spec file`);
    if (info.size > MaxSpecBytes) {
      throw badFile(`${file} is ${info.size} bytes; job specs are limited to ${MaxSpecBytes} bytes`);
    }
    return await readFile(path);
  } catch (err) {
    if (err instanceof BacalhauError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw badFile(`${file}: no such file`);
    if (code === 'EACCES') throw badFile(`${file}: permission denied`);
    throw err;
  }
}

async function readStdin(stdin: CliContext['stdin']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MaxSpecBytes) throw badFile(`standard input is larger than ${MaxSpecBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function badFile(message: string, hint?: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.BadRequest,
    component: 'CLI',
    ...(hint === undefined ? {} : { hint }),
  });
}
