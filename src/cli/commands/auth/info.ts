/**
 * `bacalhau auth info`: which credentials the CLI would send (the variables that take precedence) and
 * whether the node offers SSO (`GET /api/v1/agent/authconfig`), in Go's words and layout.
 *
 * Deliberate differences: Go shows the configuration's address even when a profile is in use, and says
 * "Server does not support …" when the node cannot be reached at all; here the address is the one the
 * CLI talks to, and an unreachable node (or an untrusted certificate) is an error. Go registers
 * `--output` and ignores it; here `--output json|yaml` prints the same facts as data.
 */
import { Command } from 'commander';
import { ClientComponent, type GetAgentNodeAuthConfigResponse } from '../../../api/client/index.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { callOptions, createCliClient } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import {
  addNonTabularOutputFlags,
  humanOutputRequested,
  nonTabularOptions,
  printValue,
} from '../../output/index.js';
import { nodeOauth2 } from './oauth2.js';

const envStatus = (value: string | undefined): string =>
  value !== undefined && value !== '' ? 'Set' : 'Not Set';

/** Failures of the request itself, before any answer from the node. */
const notAnswered: ReadonlySet<string> = new Set([
  ErrorCode.ServiceUnavailable,
  ErrorCode.NetworkFailure,
  ErrorCode.TimeOut,
  ErrorCode.RequestCancelled,
]);

/** The node's auth config; undefined when the node answered without one (Go: "does not support"). */
async function nodeAuthConfig(
  call: Promise<GetAgentNodeAuthConfigResponse>,
): Promise<GetAgentNodeAuthConfigResponse | undefined> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof BacalhauError && err.component === ClientComponent && notAnswered.has(err.code)) {
      throw BacalhauError.wrap(err, 'failed to fetch supported authentication details from server');
    }
    return undefined;
  }
}

export function authInfoCommand(ctx: CliContext): Command {
  const cmd = new Command('info').description('Display authentication information');
  addNonTabularOutputFlags(cmd, { human: true });
  return cmd.action(async (_opts: unknown, command: Command) => {
    const { client, address } = createCliClient(ctx, command, { credentials: false });
    const env = {
      'API Key': envStatus(ctx.env['BACALHAU_API_KEY']),
      Username: envStatus(ctx.env['BACALHAU_API_USERNAME']),
      Password: envStatus(ctx.env['BACALHAU_API_PASSWORD']),
    };
    const auth = await nodeAuthConfig(client.agent.authConfig(callOptions(ctx)));
    const oauth2 = auth === undefined ? undefined : nodeOauth2(auth);
    const sso =
      oauth2 === undefined || oauth2.ProviderID === ''
        ? undefined
        : {
            'Provider Name': oauth2.ProviderName,
            'Provider ID': oauth2.ProviderID,
            Version: auth?.Version ?? '',
          };

    if (!humanOutputRequested(command.opts())) {
      const data = {
        TargetEnvironment: address,
        EnvironmentVariables: { APIKey: env['API Key'], Username: env.Username, Password: env.Password },
        SSO: {
          Supported: sso !== undefined,
          ProviderName: oauth2?.ProviderName ?? '',
          ProviderID: oauth2?.ProviderID ?? '',
        },
      };
      printValue(ctx, data, nonTabularOptions(command.opts()));
      return;
    }
    const lines = (pairs: Record<string, string>): string =>
      Object.entries(pairs)
        .map(([key, value]) => `${key}: ${value}\n`)
        .join('');
    let text = `\nTarget environment: ${address}\n\nEnvironment Variables:\n${lines(env)}\n`;
    if (auth === undefined) {
      ctx.stdout.write(`${text}Server does not support Basic Auth, API Keys, or SSO logins\n`);
      return;
    }
    text += `Node SSO Authentication:\n${sso === undefined ? 'Server does not support SSO login\n' : lines(sso)}`;
    text +=
      '\nNote: Environment variables take precedence over other authentication mechanisms including SSO.\n' +
      'To use SSO login, please unset Auth related environment variables first.\n';
    ctx.stdout.write(text);
  });
}
