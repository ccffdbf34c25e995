import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../../context.js';
import { bashCompletion } from './bash.js';
import { fishCompletion } from './fish.js';
import { commandTree } from './tree.js';
import { zshCompletion } from './zsh.js';

const shells = { bash: bashCompletion, fish: fishCompletion, zsh: zshCompletion } as const;

function parseShell(value: string): keyof typeof shells {
  if (value in shells) return value as keyof typeof shells;
  throw new InvalidArgumentError(`unsupported shell ${JSON.stringify(value)}: one of bash, fish, zsh`);
}

/** `bacalhau completion bash|fish|zsh`: a completion script generated from the command tree of `program`. */
export function completionCommand(ctx: CliContext, program: () => Command): Command {
  return new Command('completion')
    .description('Generate the autocompletion script for the specified shell')
    .argument('<shell>', 'bash, fish or zsh', parseShell)
    .addHelpText(
      'after',
      `\nExamples:\n  source <(${ctx.binName} completion bash)\n  source <(${ctx.binName} completion zsh)\n  ${ctx.binName} completion fish | source`,
    )
    .action((shell: keyof typeof shells) => {
      ctx.stdout.write(shells[shell](ctx.binName, commandTree(program())));
    });
}
