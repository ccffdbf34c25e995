import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addProfileFlag } from '../../flags/profile.js';
import { authHashPasswordCommand } from './hash-password.js';
import { authInfoCommand } from './info.js';
import { ssoCommand } from './sso/sso.js';

/** `bacalhau auth …`: how the CLI authenticates to a node (SSO logins, password hashes for API users). */
export function authCommand(ctx: CliContext): Command {
  return addProfileFlag(new Command('auth').description('Authentication commands for Bacalhau'))
    .addCommand(ssoCommand(ctx))
    .addCommand(authHashPasswordCommand(ctx))
    .addCommand(authInfoCommand(ctx));
}
