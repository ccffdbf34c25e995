import { Command } from 'commander';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addNonTabularOutputFlags, nonTabularOptions, printValue } from '../../output/index.js';

/** `bacalhau agent config`: the configuration the node runs with, secrets masked by the server. */
export function agentConfigCommand(ctx: CliContext): Command {
  const cmd = new Command('config').description("Get the agent's configuration.");
  addNonTabularOutputFlags(cmd, { pretty: true });
  return cmd.action(async (_opts: unknown, command: Command) => {
    const { client } = createCliClient(ctx, command);
    const response = await withContext(client.agent.config(callOptions(ctx)), 'cannot get agent config');
    printValue(ctx, response.config, nonTabularOptions(command.opts()));
  });
}
