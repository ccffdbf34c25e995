import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addProfileFlag } from '../../flags/profile.js';
import { wasmRunCommand } from './run.js';

/** `bacalhau wasm …`: the noun of `wasm run`. */
export function wasmCommand(ctx: CliContext): Command {
  return addProfileFlag(
    new Command('wasm').description('Run and prepare WASM jobs on the network'),
  ).addCommand(wasmRunCommand(ctx));
}
