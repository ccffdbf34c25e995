import { Command } from 'commander';
import type { CliContext } from '../../../context.js';
import { ssoLoginCommand } from './login.js';
import { ssoLogoutCommand } from './logout.js';
import { ssoTokenCommand } from './token.js';

/** `bacalhau auth sso …`: log in with the node's OAuth2 provider (device flow), and the token it gave. */
export function ssoCommand(ctx: CliContext): Command {
  return new Command('sso')
    .description('SSO Authentication commands for Bacalhau')
    .addCommand(ssoLoginCommand(ctx))
    .addCommand(ssoLogoutCommand(ctx))
    .addCommand(ssoTokenCommand(ctx));
}
