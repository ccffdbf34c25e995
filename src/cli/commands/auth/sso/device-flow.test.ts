import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeOAuth2Provider,
  type FakeOAuth2Provider,
} from '../../../../../test/helpers/fake-oauth2-provider.js';
import { systemClock, type Clock } from '../../../../lib/clock.js';
import { pollForToken, startDeviceAuthorization, type DeviceFlowSettings } from './device-flow.js';

let provider: FakeOAuth2Provider;
let settings: DeviceFlowSettings;
beforeAll(async () => {
  provider = await startFakeOAuth2Provider();
  settings = {
    deviceAuthorizationEndpoint: `${provider.url}/oauth/device/code`,
    tokenEndpoint: `${provider.url}/oauth/token`,
    clientID: provider.clientID,
    scopes: ['openid', 'profile'],
    audience: provider.audience,
    pollingInterval: 0,
  };
});
afterAll(() => provider.close());

/** Records the waits between polls and skips them. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    setTimer: (delayMs, callback) => {
      waits.push(delayMs);
      return systemClock.setTimer(0, callback);
    },
  };
}

describe('the device flow', () => {
  it('sends Go’s parameters and polls at the provider’s interval until approved', async () => {
    provider.behave({ pending: 2, interval: 3 });
    provider.requests.length = 0;
    const device = await startDeviceAuthorization(settings);
    expect(device).toEqual({
      deviceCode: 'device-code-1',
      userCode: 'WDJB-MJHT',
      verificationUri: `${provider.url}/activate`,
      verificationUriComplete: `${provider.url}/activate?user_code=WDJB-MJHT`,
      expiresIn: 300,
      interval: 3,
    });
    const clock = recordingClock();
    const token = await pollForToken(settings, device, { clock });
    expect(token.split('.')).toHaveLength(3);
    expect(clock.waits).toEqual([3000, 3000, 3000]);
    expect(provider.requests.map((r) => r.form)).toEqual([
      { client_id: provider.clientID, scope: 'openid profile', audience: provider.audience },
      ...Array.from({ length: 3 }, () => ({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: 'device-code-1',
        client_id: provider.clientID,
      })),
    ]);
  });

  it('falls back to PollingInterval, then 5 s, and reads form-encoded answers', async () => {
    provider.behave({ interval: 0, formEncoded: true });
    expect((await startDeviceAuthorization({ ...settings, pollingInterval: 2 })).interval).toBe(2);
    const device = await startDeviceAuthorization(settings);
    expect(device.interval).toBe(5);
    const clock = recordingClock();
    expect(await pollForToken(settings, device, { clock })).toMatch(/^ey/);
    expect(clock.waits).toEqual([5000]);
  });

  it('ends with the provider’s refusal, in x/oauth2’s words', async () => {
    provider.behave({ error: 'access_denied' });
    const device = await startDeviceAuthorization(settings);
    await expect(pollForToken(settings, device, { clock: recordingClock() })).rejects.toThrow(
      'token retrieval failed: access_denied - the user said no',
    );
  });

  it('names the endpoint problem when the provider cannot be used', async () => {
    await expect(
      startDeviceAuthorization({ ...settings, deviceAuthorizationEndpoint: `${provider.url}/nope` }),
    ).rejects.toThrow('device authorization request failed: not_found');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      startDeviceAuthorization({
        ...settings,
        deviceAuthorizationEndpoint: `http://127.0.0.1:${port}/device`,
      }),
    ).rejects.toThrow(/^device authorization request failed: fetch failed: .*ECONNREFUSED/);
  });

  it('stops polling when the signal aborts', async () => {
    provider.behave({ pending: 1000 });
    const device = await startDeviceAuthorization(settings);
    const controller = new AbortController();
    const polling = pollForToken(settings, device, { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(polling).rejects.toThrow('cancelled');
  });
});
