import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addRuntimeFlags, runtimeSettings } from './runtime.js';

function parsed(args: string[]): ReturnType<typeof runtimeSettings> {
  const cmd = addRuntimeFlags(new Command('run').exitOverride(), { dryRun: false }).action(() => undefined);
  cmd.parse(args, { from: 'user' });
  return runtimeSettings(cmd.opts());
}

describe('--wait-timeout-secs', () => {
  // Bacalhau's flag is an int (pflag IntVar): a script passing -1 runs there, so it must here too.
  it('takes a negative number, which sets no limit as 0 does', () => {
    expect(parsed(['--wait-timeout-secs', '-1']).waitTimeoutSecs).toBe(-1);
    expect(parsed(['--wait-timeout-secs=0']).waitTimeoutSecs).toBe(0);
    expect(parsed([]).waitTimeoutSecs).toBe(600);
  });

  it('refuses what is not an integer with strconv.ParseInt wording', () => {
    expect(() => parsed(['--wait-timeout-secs', '1.5'])).toThrow(
      'strconv.ParseInt: parsing "1.5": invalid syntax',
    );
  });
});
