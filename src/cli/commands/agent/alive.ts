import { Command } from 'commander';
import { isAliveResponseSchema } from '../../../api/client/index.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addNonTabularOutputFlags, nonTabularOptions, printValue, wireValue } from '../../output/index.js';

/** `bacalhau agent alive`: the node's liveness (`Status: OK`). */
export function agentAliveCommand(ctx: CliContext): Command {
  const cmd = new Command('alive').description("Get the agent's liveness and health info.");
  addNonTabularOutputFlags(cmd);
  return cmd.action(async (_opts: unknown, command: Command) => {
    const { client } = createCliClient(ctx, command);
    const response = await withContext(client.agent.alive(callOptions(ctx)), 'could not get server alive');
    printValue(ctx, wireValue(response, isAliveResponseSchema), nonTabularOptions(command.opts()));
  });
}
