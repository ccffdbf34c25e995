/**
 * `bacalhau auth sso logout [-f]`: forgets the SSO token saved for the node's address (and the profile
 * copy of it, see profile-token.ts), after asking unless `--force`. Only `y` or `Y` confirms, as in Go.
 */
import { Command, Option } from 'commander';
import { BacalhauError } from '../../../../models/bacerrors.js';
import { cliTarget } from '../../../api-client.js';
import type { CliContext } from '../../../context.js';
import { readLine } from '../../../input.js';
import { removeProfileToken } from './profile-token.js';
import { readSsoToken, writeSsoToken } from './token-file.js';

export function ssoLogoutCommand(ctx: CliContext): Command {
  return new Command('logout')
    .summary('Logout from current SSO session')
    .description('Logout from the current SSO session and remove stored credentials.')
    .addOption(new Option('-f, --force', 'Skip confirmation prompt'))
    .action(async (opts: { force?: boolean }, command: Command) => {
      const target = cliTarget(ctx, command);
      const { address, config } = target;
      if (opts.force !== true) {
        ctx.stdout.write(`Are you sure you want to logout from ${address}? (y/N): `);
        const answer = (await readLine(ctx.stdin)).trim().split(/\s+/)[0] ?? '';
        if (answer !== 'y' && answer !== 'Y') {
          ctx.stdout.write('Logout cancelled\n');
          return;
        }
      }
      try {
        const token = readSsoToken(config.DataDir, address);
        writeSsoToken(config.DataDir, address, undefined);
        if (token !== undefined) removeProfileToken(target, token);
      } catch (err) {
        throw BacalhauError.wrap(err, 'unable to delete SSO session credentials');
      }
      ctx.stdout.write(`\nSuccessfully logged out from ${address}\n`);
    });
}
