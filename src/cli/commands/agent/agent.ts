import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addProfileFlag } from '../../flags/profile.js';
import { agentAliveCommand } from './alive.js';
import { agentConfigCommand } from './config.js';
import { agentNodeCommand } from './node.js';
import { agentVersionCommand } from './version.js';

/** `bacalhau agent …`: what the node the CLI talks to says about itself. */
export function agentCommand(ctx: CliContext): Command {
  return addProfileFlag(new Command('agent').description('Commands to query agent information.'))
    .addCommand(agentAliveCommand(ctx))
    .addCommand(agentNodeCommand(ctx))
    .addCommand(agentVersionCommand(ctx))
    .addCommand(agentConfigCommand(ctx));
}
