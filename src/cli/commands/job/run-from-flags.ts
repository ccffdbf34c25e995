/**
 * The common part of `docker run` and `wasm run`: job, task and runtime flags, then the built job is
 * printed as YAML (`--dry-run`, no node needed) or submitted and followed.
 */
import type { Command } from 'commander';
import { flagsAfterFirstOperand, fullCommandName } from '../../argv.js';
import { createCliClient } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addJobFlags, jobSettings } from '../../flags/job-settings.js';
import { addRuntimeFlags, runtimeSettings } from '../../flags/runtime.js';
import type { InputSourceWire } from '../../flags/storage-spec.js';
import { addTaskFlags, taskSettings } from '../../flags/task-settings.js';
import { toYaml } from '../../output/index.js';
import { jobFromFlags, type EngineWire } from './from-flags.js';
import { submitJob } from './submit.js';

export function addRunFromFlagsOptions(cmd: Command): Command {
  addJobFlags(cmd);
  addTaskFlags(cmd);
  return addRuntimeFlags(cmd, { dryRun: true });
}

/** What the command's first operand is, and how its arguments are written, for the note on stray flags. */
export interface Operands {
  /** `image` */
  first: string;
  /** `IMAGE -- COMMAND [ARG...]` */
  usage: string;
}

/**
 * Builds the job around `engine` (which may add inputs, e.g. an uploaded WASM module) and runs it.
 * The engine is built first, then constraints and labels are read, so errors come in Go's order.
 */
export async function runFromFlags(
  ctx: CliContext,
  command: Command,
  operands: Operands,
  engine: () => Promise<{ engine: EngineWire; extraInputs?: readonly InputSourceWire[] }>,
): Promise<void> {
  const built = await engine();
  noteFlagsAfterOperand(ctx, command, operands);
  const job = jobSettings(ctx, command);
  const task = taskSettings(command.opts());
  const spec = jobFromFlags(built.engine, job, {
    ...task,
    inputs: [...task.inputs, ...(built.extraInputs ?? [])],
  });
  const settings = runtimeSettings(command.opts());
  // Configuration is read even for --dry-run, as Go does: a container's `sh -c '…'` taken for the CLI's
  // --config then fails here with its hint, instead of a printed spec that silently lost its command.
  const { client } = createCliClient(ctx, command);
  if (settings.dryRun) {
    ctx.stdout.write(toYaml(spec));
    return;
  }
  await submitJob(ctx, client, spec, settings, { doing: 'failed to submit job' });
}

/** `docker run ubuntu ls -la`: `-la` is bacalhau's `-l a` (a label), as in Go; say so on stderr. */
function noteFlagsAfterOperand(ctx: CliContext, command: Command, operands: Operands): void {
  const flags = flagsAfterFirstOperand(command);
  if (flags.length === 0) return;
  const path = fullCommandName(command);
  ctx.stderr.write(
    `Note: ${flags.join(' ')}, written after the ${operands.first}, ${flags.length === 1 ? 'was' : 'were'} ` +
      `read as ${flags.length === 1 ? 'a flag' : 'flags'} of ${path}. Arguments for the job go after --: ` +
      `${path} [flags] ${operands.usage}\n`,
  );
}
