/**
 * `bacalhau auth sso token [-d]`: the SSO token saved for the node's address, or with `--decode` its
 * header and claims as indented JSON (keys sorted, as Go prints maps). Decoding does not verify the
 * signature: that is the node's job, and the CLI does not hold the provider's keys.
 */
import { Command, Option } from 'commander';
import { isPlainObject } from '../../../../models/codec.js';
import { BacalhauError, ErrorCode } from '../../../../models/bacerrors.js';
import { cliTarget } from '../../../api-client.js';
import type { CliContext } from '../../../context.js';
import { toJson } from '../../../output/encode.js';
import { decodeJwt } from './jwt.js';
import { readSsoToken } from './token-file.js';

/** Go's encoding of a map: keys in order at every level. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

export function ssoTokenCommand(ctx: CliContext): Command {
  return new Command('token')
    .summary('Show current environment SSO JWT token')
    .description('Show current environment SSO JWT token if present.')
    .addOption(new Option('-d, --decode', 'Decode JWT Token'))
    .action((opts: { decode?: boolean }, command: Command) => {
      const { address, config } = cliTarget(ctx, command);
      let token: string | undefined;
      try {
        token = readSsoToken(config.DataDir, address);
      } catch (err) {
        throw BacalhauError.wrap(err, 'unable to retrieve saved SSO credentials');
      }
      if (token === undefined) {
        ctx.stdout.write('No authentication token found\n');
        return;
      }
      if (opts.decode !== true) {
        ctx.stdout.write(`${token}\n`);
        return;
      }
      const decoded = decodeJwt(token);
      if (typeof decoded === 'string') {
        throw new BacalhauError(
          `failed to parse token: token is malformed: ${decoded}; log in again with '${ctx.binName} auth sso login'`,
          { code: ErrorCode.BadRequest, component: 'CLI' },
        );
      }
      const { header, claims } = decoded;
      ctx.stdout.write(
        `Header:\n${toJson(sortKeys(header), true)}\nClaims:\n${toJson(sortKeys(claims), true)}`,
      );
    });
}
