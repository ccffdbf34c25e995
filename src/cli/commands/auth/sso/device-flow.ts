/**
 * The OAuth 2.0 device authorization grant (RFC 8628), as Go's `pkg/sso` runs it with golang.org/x/oauth2:
 * ask the provider's device authorization endpoint for a code the user enters in a browser, then poll its
 * token endpoint until the user has approved (or refused) the login. Parameters go in the form body
 * (`AuthStyleInParams`): `client_id`, `scope` (space-separated), `audience`; answers may be JSON or form
 * encoded, as x/oauth2 accepts both.
 *
 * Deliberate difference: Go polls every 5 s whatever the provider says (it drops the `interval` of the
 * device answer); here the provider's `interval` is used, else `API.Auth.Oauth2.PollingInterval`, else
 * 5 s, as RFC 8628 asks; `slow_down` adds 5 s, as in Go.
 */
import { sleep, systemClock, type Clock } from '../../../../lib/clock.js';
import { BacalhauError, ErrorCode, errorMessage } from '../../../../models/bacerrors.js';
import { isPlainObject } from '../../../../models/codec.js';

/** The node's `API.Auth.Oauth2` settings the flow uses (from `GET /api/v1/agent/authconfig`). */
export interface DeviceFlowSettings {
  readonly deviceAuthorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly clientID: string;
  readonly scopes: readonly string[];
  readonly audience: string;
  /** Seconds; 0 = unset. */
  readonly pollingInterval: number;
}

export interface DeviceAuthorization {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete: string;
  /** Seconds the device code is valid for; 0 = the provider did not say. */
  readonly expiresIn: number;
  /** Seconds between polls of the token endpoint. */
  readonly interval: number;
}

export interface FlowOptions {
  readonly signal?: AbortSignal;
  /** Times the waits between polls. */
  readonly clock?: Clock;
}

const defaultIntervalSeconds = 5;
const deviceCodeGrant = 'urn:ietf:params:oauth:grant-type:device_code';

function flowError(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.Unauthorized, component: 'SSO' });
}

/** POSTs a form and reads the answer's fields, whether JSON or form encoded. */
async function postForm(
  url: string,
  params: Readonly<Record<string, string>>,
  signal: AbortSignal | undefined,
): Promise<{ status: number; fields: Record<string, unknown>; text: string }> {
  const body = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body,
    ...(signal === undefined ? {} : { signal }),
  });
  const text = await response.text();
  let fields: Record<string, unknown> = {};
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isPlainObject(parsed)) fields = parsed;
    } catch {
      // not JSON after all: reported below by what is missing
    }
  } else {
    fields = Object.fromEntries(new URLSearchParams(text));
  }
  return { status: response.status, fields, text };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const seconds = (value: unknown): number => {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
};

/** The provider's `error` and `error_description`, as x/oauth2's RetrieveError prints them. */
function providerError(status: number, fields: Record<string, unknown>, body: string): string {
  const code = text(fields['error']);
  if (code === '') return `HTTP ${status}: ${body.trim().slice(0, 200)}`;
  const description = text(fields['error_description']);
  return description === '' ? code : `${code} - ${description}`;
}

/** Step 1: a device code and what to show the user. */
export async function startDeviceAuthorization(
  settings: DeviceFlowSettings,
  options: FlowOptions = {},
): Promise<DeviceAuthorization> {
  let answer: Awaited<ReturnType<typeof postForm>>;
  try {
    answer = await postForm(
      settings.deviceAuthorizationEndpoint,
      { client_id: settings.clientID, scope: settings.scopes.join(' '), audience: settings.audience },
      options.signal,
    );
  } catch (err) {
    throw flowError(`device authorization request failed: ${fetchFailure(err)}`);
  }
  const { status, fields } = answer;
  const deviceCode = text(fields['device_code']);
  if (status < 200 || status > 299 || deviceCode === '') {
    throw flowError(`device authorization request failed: ${providerError(status, fields, answer.text)}`);
  }
  return {
    deviceCode,
    userCode: text(fields['user_code']),
    // Google spells it verification_url, which x/oauth2 accepts too.
    verificationUri: text(fields['verification_uri']) || text(fields['verification_url']),
    verificationUriComplete: text(fields['verification_uri_complete']),
    expiresIn: seconds(fields['expires_in']),
    interval: seconds(fields['interval']) || settings.pollingInterval || defaultIntervalSeconds,
  };
}

/**
 * Step 2: polls until the user approved the login and returns the access token. Ends with an error
 * when the provider refuses (`access_denied`, `expired_token`, …) or `signal` aborts.
 */
export async function pollForToken(
  settings: DeviceFlowSettings,
  device: DeviceAuthorization,
  options: FlowOptions = {},
): Promise<string> {
  const clock = options.clock ?? systemClock;
  let interval = device.interval;
  for (;;) {
    await sleep(clock, interval * 1000, options.signal === undefined ? {} : { signal: options.signal });
    let answer: Awaited<ReturnType<typeof postForm>>;
    try {
      answer = await postForm(
        settings.tokenEndpoint,
        { grant_type: deviceCodeGrant, device_code: device.deviceCode, client_id: settings.clientID },
        options.signal,
      );
    } catch (err) {
      if (options.signal?.aborted === true) throw err;
      throw flowError(`failed to obtain token: ${fetchFailure(err)}`);
    }
    const { status, fields } = answer;
    const token = text(fields['access_token']);
    const error = text(fields['error']);
    if (token !== '' && error === '' && status >= 200 && status <= 299) return token;
    if (error === 'authorization_pending') continue;
    if (error === 'slow_down') {
      interval += 5;
      continue;
    }
    if (error === '' && status >= 200 && status <= 299) {
      throw flowError('failed to obtain token: server response missing access_token');
    }
    throw flowError(`token retrieval failed: ${providerError(status, fields, answer.text)}`);
  }
}

/** A failed fetch's reason: undici hides it in `cause`. */
function fetchFailure(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  return cause === undefined ? errorMessage(err) : `${errorMessage(err)}: ${errorMessage(cause)}`;
}
