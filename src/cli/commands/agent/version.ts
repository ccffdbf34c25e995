import { Command } from 'commander';
import { getVersionResponseSchema } from '../../../api/client/index.js';
import { goTimeString } from '../../../models/go-time.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import {
  addNonTabularOutputFlags,
  humanOutputRequested,
  nonTabularOptions,
  printValue,
  wireValue,
} from '../../output/index.js';

/** `bacalhau agent version`: the server's build, as three lines unless `--output` is given. */
export function agentVersionCommand(ctx: CliContext): Command {
  const cmd = new Command('version').description('Get the agent version.');
  addNonTabularOutputFlags(cmd, { human: true });
  return cmd.action(async (_opts: unknown, command: Command) => {
    const { client } = createCliClient(ctx, command);
    const v = await withContext(client.agent.version(callOptions(ctx)), 'could not get server version');
    if (humanOutputRequested(command.opts())) {
      // Go prints the decoded time.Time with %s, not the wire text
      const buildDate = goTimeString(v.BuildDate);
      ctx.stdout.write(`Bacalhau ${v.GitVersion}\nBuildDate ${buildDate}\nGitCommit ${v.GitCommit}\n`);
      return;
    }
    printValue(ctx, wireValue(v, getVersionResponseSchema), nonTabularOptions(command.opts()));
  });
}
