import { Command, Option } from 'commander';
import type { CliContext } from '../../context.js';
import { DefaultProfileTimeout } from '../../profile/store.js';
import { attempt, profileStore } from './profile.js';

/** Tokens of at most this length are hidden completely; longer ones show their first and last 4. */
const MinPartialRedaction = 8;

function redact(token: string): string {
  return token.length <= MinPartialRedaction ? '****' : `${token.slice(0, 4)}****${token.slice(-4)}`;
}

/**
 * `bacalhau profile show [name]`: a profile's settings; without a name, the profile of
 * BACALHAU_PROFILE, else the current one.
 */
export function profileShowCommand(ctx: CliContext): Command {
  return new Command('show')
    .description('Show profile details.')
    .argument('[name]', 'profile name (default: BACALHAU_PROFILE, else the current profile)')
    .addOption(new Option('--show-token', 'Show full token value (default: redacted)'))
    .action((given: string | undefined, opts: { showToken?: boolean }, command: Command) => {
      const store = profileStore(ctx, command);
      const current = attempt('failed to get current profile', () => store.current());
      const name = given || ctx.env['BACALHAU_PROFILE'] || current;
      if (name === '') throw new Error('no current profile set');
      const p = attempt('failed to load profile', () => store.load(name));
      const token = p.auth?.token ?? '';
      const lines = [
        ['Name', name === current ? `${name} (current)` : name],
        ['Endpoint', p.endpoint ?? ''],
        ['Auth', token === '' ? 'none' : `token (${opts.showToken === true ? token : redact(token)})`],
        ['TLS', p.tls?.insecure === true ? 'insecure' : 'secure'],
        ['Timeout', p.timeout ?? DefaultProfileTimeout],
        ...(p.description === undefined ? [] : [['Description', p.description]]),
      ];
      for (const [key = '', value = ''] of lines) ctx.stdout.write(`${`${key}:`.padEnd(13)}${value}\n`);
    });
}
