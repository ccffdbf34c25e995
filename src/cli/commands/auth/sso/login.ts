/**
 * `bacalhau auth sso login`: logs in with the OAuth2 provider the node names in its auth config
 * (`API.Auth.Oauth2`, served at `/api/v1/agent/authconfig`), by the device flow: the user opens a URL and
 * enters a code while the CLI waits, at most as long as the provider says the code is valid. The token is
 * saved in `<DataDir>/jwt-tokens.json` under the node's address and in a profile (profile-token.ts), and
 * sent as `Authorization: Bearer` by later commands.
 *
 * Deliberate difference: Go hides why a step failed behind "Set LOG_LEVEL=DEBUG"; here the reason is
 * part of the one-line error.
 */
import { Command } from 'commander';
import { BacalhauError, ErrorCode, errorMessage } from '../../../../models/bacerrors.js';
import { callOptions, createCliClient, withContext } from '../../../api-client.js';
import type { CliContext } from '../../../context.js';
import { printWarning } from '../../../messages.js';
import { nodeOauth2, type NodeOauth2 } from '../oauth2.js';
import {
  pollForToken,
  startDeviceAuthorization,
  type DeviceAuthorization,
  type DeviceFlowSettings,
} from './device-flow.js';
import { saveProfileToken } from './profile-token.js';
import { writeSsoToken } from './token-file.js';
import { eitherSignal } from '../../../../lib/any-signal.js';
import { timeoutSignal } from '../../../../lib/timeout-signal.js';

function loginError(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.Unauthorized, component: 'CLI' });
}

/** The flow's settings from the node's `API.Auth.Oauth2`; what is missing is named. */
function flowSettings(oauth2: NodeOauth2, address: string): DeviceFlowSettings {
  const required = ['DeviceAuthorizationEndpoint', 'TokenEndpoint', 'DeviceClientID'] as const;
  const missing = required.filter((key) => oauth2[key] === '');
  if (missing.length > 0) {
    throw loginError(
      `unable to initiate SSO login flow: the node at ${address} does not set ${missing.map((k) => `API.Auth.Oauth2.${k}`).join(', ')}; ask its operator to configure them`,
    );
  }
  return {
    deviceAuthorizationEndpoint: oauth2.DeviceAuthorizationEndpoint,
    tokenEndpoint: oauth2.TokenEndpoint,
    clientID: oauth2.DeviceClientID,
    scopes: oauth2.Scopes,
    audience: oauth2.Audience,
    pollingInterval: oauth2.PollingInterval,
  };
}

function printInstructions(ctx: CliContext, device: DeviceAuthorization, providerName: string): void {
  let text = '\nTo login, please:\n';
  text += `  1. Open this URL in your browser: ${device.verificationUri}\n`;
  text += `  2. Enter this code: ${device.userCode}\n`;
  if (device.verificationUriComplete !== '') {
    text += `\nOr, open this URL in your browser:\n  ${device.verificationUriComplete}\n\n`;
  }
  text += `Waiting for authentication with ${providerName}... (press Ctrl+C to cancel)\n`;
  ctx.stdout.write(text);
}

/** Waits for the user's approval, until the code expires or the user interrupts the command. */
async function awaitToken(
  ctx: CliContext,
  settings: DeviceFlowSettings,
  device: DeviceAuthorization,
): Promise<string> {
  const expiry = timeoutSignal(device.expiresIn * 1000);
  const signal = eitherSignal(ctx.signal, expiry);
  try {
    return await pollForToken(settings, device, signal === undefined ? {} : { signal });
  } catch (err) {
    if (expiry?.aborted === true) {
      throw loginError(
        `unable to finish SSO login flow: the login was not completed within ${device.expiresIn}s; run '${ctx.binName} auth sso login' again`,
      );
    }
    if (ctx.signal?.aborted === true) throw loginError('unable to finish SSO login flow: login cancelled');
    throw BacalhauError.wrap(err, 'unable to finish SSO login flow');
  }
}

export function ssoLoginCommand(ctx: CliContext): Command {
  return new Command('login')
    .description('Login using SSO')
    .action(async (_opts: unknown, command: Command) => {
      const target = createCliClient(ctx, command, { credentials: false });
      const { client, address, config } = target;
      const authConfig = await withContext(
        client.agent.authConfig(callOptions(ctx)),
        'an error has occurred fetching the node authentication details',
      );
      const oauth2 = nodeOauth2(authConfig);
      const providerName = oauth2.ProviderName;
      if (providerName === '' || oauth2.ProviderID === '') {
        throw loginError(
          `orchestrator does not support logging in using SSO: the node at ${address} has no API.Auth.Oauth2.ProviderID and ProviderName; log in with an API key or username and password instead`,
        );
      }
      const settings = flowSettings(oauth2, address);
      const device = await withContext(
        startDeviceAuthorization(settings, callOptions(ctx)),
        'unable to initiate SSO login flow',
      );
      printInstructions(ctx, device, providerName);
      const token = await awaitToken(ctx, settings, device);

      try {
        writeSsoToken(config.DataDir, address, token);
      } catch (err) {
        throw BacalhauError.wrap(err, 'unable to save temporary SSO credentials');
      }
      try {
        saveProfileToken(target, token);
      } catch (err) {
        printWarning(ctx, `failed to save the SSO token to a profile: ${errorMessage(err)}`);
      }
      ctx.stderr.write(`\nSuccessfully authenticated with ${providerName}!\n`);
    });
}
