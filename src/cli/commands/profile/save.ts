import { Command, Option } from 'commander';
import { goQuote } from '../../../models/go-compat.js';
import type { CliContext } from '../../context.js';
import { endpointProblem } from '../../profile/active.js';
import type { Profile } from '../../profile/store.js';
import { attempt, profileStore } from './profile.js';

interface SaveOptions {
  endpoint: string;
  description: string;
  timeout: string;
  insecure?: boolean;
  select?: boolean;
}

/** `bacalhau profile save <name>`: creates a profile (an endpoint is required) or updates the given fields. */
export function profileSaveCommand(ctx: CliContext): Command {
  return new Command('save')
    .description('Create or update a profile.')
    .argument('<name>', 'profile name')
    .addOption(new Option('--endpoint <endpoint>', 'API endpoint (host:port or full URL)').default(''))
    .addOption(new Option('--description <text>', 'Profile description').default(''))
    .addOption(new Option('--timeout <duration>', 'Request timeout (e.g., 30s, 1m)').default(''))
    .addOption(new Option('--insecure', 'Skip TLS certificate verification'))
    .addOption(new Option('--select', 'Set as current profile after saving'))
    .action((name: string, opts: SaveOptions, command: Command) => {
      const problem = opts.endpoint === '' ? undefined : endpointProblem(opts.endpoint);
      if (problem !== undefined) throw new Error(`invalid --endpoint ${goQuote(opts.endpoint)}: ${problem}`);
      const store = profileStore(ctx, command);
      let profile: Profile;
      if (store.exists(name)) {
        profile = attempt('failed to load existing profile', () => store.load(name));
      } else if (opts.endpoint === '') {
        throw new Error('endpoint is required when creating a new profile');
      } else {
        profile = {};
      }
      if (opts.endpoint !== '') profile.endpoint = opts.endpoint;
      if (opts.description !== '') profile.description = opts.description;
      if (opts.timeout !== '') profile.timeout = opts.timeout;
      if (opts.insecure === true) profile.tls = { insecure: true };
      attempt('failed to save profile', () => store.save(name, profile));
      ctx.stdout.write(`Profile ${goQuote(name)} saved\n`);
      if (opts.select === true) {
        attempt('failed to set current profile', () => store.select(name));
        ctx.stdout.write(`Switched to profile ${goQuote(name)}\n`);
      }
    });
}
