import { Command, Option } from 'commander';
import type { NodeAction } from '../../../api/client/index.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';

/** Bacalhau's `NodeAction.Description()`, word for word. */
const descriptions: Record<NodeAction, string> = {
  approve: 'Approve a node whose membership is pending',
  reject: 'Reject a node whose membership is pending',
  delete: 'Delete a node from the cluster.',
};

/** `bacalhau node approve|reject|delete <id>`: prints `Ok` when the orchestrator accepted the action. */
export function nodeActionCommand(ctx: CliContext, action: NodeAction): Command {
  return new Command(action)
    .description(descriptions[action])
    .argument('<id>', 'node ID or unique prefix')
    .addOption(new Option('-m, --message <message>', 'Message to include with the action').default(''))
    .action(async (nodeID: string, opts: { message: string }, command: Command) => {
      const { client } = createCliClient(ctx, command);
      const response = await withContext(
        client.nodes.put({ nodeID, action, message: opts.message }, callOptions(ctx)),
        `failed to ${action} node ${nodeID}`,
      );
      if (response.Success) ctx.stdout.write('Ok\n');
      else ctx.stderr.write(`Failed to ${action} node ${nodeID}: ${response.Error ?? ''}\n`);
    });
}
