/**
 * `bacalhau auth hash-password`: a bcrypt hash of a password, for the `Password` of an `API.Auth.Users`
 * entry, so the node's configuration need not hold the password itself. The API server verifies such
 * hashes with the same bcrypt (bcryptjs); the format is Go's: `$2a$`, cost 10.
 *
 * On a terminal the password is typed without echo after `Enter password: `; otherwise the first line
 * of standard input is the password, trimmed. Deliberate difference: Go refuses input that does not end
 * with a newline (`printf %s secret | …` fails with `EOF`); here the end of input ends the line too.
 */
import bcrypt from 'bcryptjs';
import { Command } from 'commander';
import { goTrimSpace } from '../../../models/go-compat.js';
import { BacalhauError, ErrorCode, errorMessage } from '../../../models/bacerrors.js';
import type { CliContext } from '../../context.js';
import { isTerminal, readHiddenLine, readLine } from '../../input.js';

/** Go's `bcrypt.DefaultCost`. */
const cost = 10;
const maxPasswordLength = 100;
/** bcrypt reads no further; Go's bcrypt refuses longer passwords rather than ignore the rest. */
const maxBcryptBytes = 72;

function inputError(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.BadRequest, component: 'CLI' });
}

async function readPassword(ctx: CliContext): Promise<string> {
  const { stdin } = ctx;
  if (!isTerminal(stdin)) return goTrimSpace(await readLine(stdin));
  try {
    return await readHiddenLine(stdin, ctx.stdout, 'Enter password: ');
  } catch (err) {
    throw inputError(`failed to read password: ${errorMessage(err)}`);
  }
}

/** A bcrypt hash in Go's form: bcryptjs writes `$2b$`, Go `$2a$`; both run the same algorithm here. */
async function hashPassword(password: string): Promise<string> {
  const salt = bcrypt.genSaltSync(cost).replace(/^\$2b\$/, '$2a$');
  return bcrypt.hash(password, salt);
}

export function authHashPasswordCommand(ctx: CliContext): Command {
  return new Command('hash-password')
    .summary('Hash a password using bcrypt')
    .description('Generate a secure bcrypt hash from a password provided via stdin')
    .action(async () => {
      const password = await readPassword(ctx);
      if (password === '') {
        throw inputError(
          `password cannot be empty: type it at the prompt, or pass it on standard input (echo "<password>" | ${ctx.binName} auth hash-password)`,
        );
      }
      const bytes = new TextEncoder().encode(password).length;
      if (bytes > maxPasswordLength) {
        throw inputError(`password exceeds maximum length of ${maxPasswordLength} characters`);
      }
      if (bytes > maxBcryptBytes) {
        throw inputError(
          `failed to hash password: bcrypt: password length exceeds ${maxBcryptBytes} bytes; use a shorter password`,
        );
      }
      ctx.stdout.write(`${await hashPassword(password)}\n`);
    });
}
