import { Command } from 'commander';
import { goQuote } from '../../../models/go-compat.js';
import type { CliContext } from '../../context.js';
import { addOutputFlags, outputOptions, printList, type Column } from '../../output/index.js';
import { attempt, profileStore } from './profile.js';

/** One row, with Bacalhau's JSON keys. */
interface Entry {
  current: string;
  name: string;
  endpoint: string;
  auth: string;
}

const columns: Column<Entry>[] = [
  { name: 'CURRENT', value: (e) => e.current },
  { name: 'NAME', value: (e) => e.name },
  { name: 'ENDPOINT', value: (e) => e.endpoint },
  { name: 'AUTH', value: (e) => e.auth },
];

/** `bacalhau profile list`: every profile, the current one starred, `token` when it carries one. */
export function profileListCommand(ctx: CliContext): Command {
  const cmd = new Command('list').description('List all CLI profiles.');
  addOutputFlags(cmd);
  return cmd.action((_opts: unknown, command: Command) => {
    const store = profileStore(ctx, command);
    const names = attempt('failed to list profiles', () => store.list());
    if (names.length === 0) {
      ctx.stdout.write('No profiles found\n');
      return;
    }
    const current = attempt('failed to get current profile', () => store.current());
    const entries = names.map((name): Entry => {
      const p = attempt(`failed to load profile ${goQuote(name)}`, () => store.load(name));
      return {
        current: name === current ? '*' : '',
        name,
        endpoint: p.endpoint ?? '',
        auth: (p.auth?.token ?? '') === '' ? '' : 'token',
      };
    });
    printList(ctx, columns, entries, outputOptions(command.opts()));
  });
}
