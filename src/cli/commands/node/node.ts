import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addProfileFlag } from '../../flags/profile.js';
import { nodeActionCommand } from './action.js';
import { nodeDescribeCommand } from './describe.js';
import { nodeListCommand } from './list.js';

/** `bacalhau node …`: the compute nodes of the network and their membership. */
export function nodeCommand(ctx: CliContext): Command {
  return addProfileFlag(new Command('node').description('Commands to query and update nodes information.'))
    .addCommand(nodeDescribeCommand(ctx))
    .addCommand(nodeListCommand(ctx))
    .addCommand(nodeActionCommand(ctx, 'approve'))
    .addCommand(nodeActionCommand(ctx, 'reject'))
    .addCommand(nodeActionCommand(ctx, 'delete'));
}
