import { Command } from 'commander';
import { getAgentNodeResponseSchema } from '../../../api/client/index.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addNonTabularOutputFlags, nonTabularOptions, printValue, wireValue } from '../../output/index.js';

/** `bacalhau agent node`: the NodeInfo of the node the CLI talks to. */
export function agentNodeCommand(ctx: CliContext): Command {
  const cmd = new Command('node').description("Get the agent's node info.");
  addNonTabularOutputFlags(cmd);
  return cmd.action(async (_opts: unknown, command: Command) => {
    const { client } = createCliClient(ctx, command);
    const response = await withContext(client.agent.node(callOptions(ctx)), 'could not get server node');
    printValue(ctx, wireValue(response, getAgentNodeResponseSchema), nonTabularOptions(command.opts()));
  });
}
