import { Command } from 'commander';
import { nodeStateSchema } from '../../../models/schemas.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addNonTabularOutputFlags, nonTabularOptions, printValue, wireValue } from '../../output/index.js';

/** `bacalhau node describe <id>`: everything the orchestrator knows about one node. */
export function nodeDescribeCommand(ctx: CliContext): Command {
  const cmd = new Command('describe')
    .description('Get the info of a node by id.')
    .argument('<id>', 'node ID or unique prefix');
  addNonTabularOutputFlags(cmd);
  return cmd.action(async (nodeID: string, _opts: unknown, command: Command) => {
    const { client } = createCliClient(ctx, command);
    const response = await withContext(
      client.nodes.get(nodeID, callOptions(ctx)),
      `could not get node ${nodeID}`,
    );
    printValue(ctx, wireValue(response.Node, nodeStateSchema), nonTabularOptions(command.opts()));
  });
}
