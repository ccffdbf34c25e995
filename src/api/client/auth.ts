/**
 * `/api/v1/auth` for clients (Go's `client/v2/api_auth.go`), and the `Authorization` values the API
 * accepts. Browser-safe. The challenge method's signature needs the user's RSA key, which the caller
 * holds: build `MethodData` with `challengeInputPhrase` and `encodeChallengeResponse` (apimodels/auth.ts).
 */
import { isPlainObject } from '../../models/codec.js';
import {
  authnResponseSchema,
  listAuthnMethodsResponseSchema,
  requirementSchema,
  type Authentication,
  type AuthnResponse,
  type ListAuthnMethodsResponse,
  type Requirement,
} from '../apimodels/auth.js';
import { base64Encode } from '../apimodels/base64.js';
import { ApiPath } from '../apimodels/constants.js';
import { decodeResponse, errorFromResponse, type CallOptions, type HttpTransport } from './transport.js';

/** `Basic base64(username:password)` (UTF-8), for the `authorization` client option. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${base64Encode(new TextEncoder().encode(`${username}:${password}`))}`;
}

export class AuthApi {
  constructor(private readonly http: HttpTransport) {}

  /** The methods the server offers; none when it uses Basic credentials and API keys instead. */
  methods(options: CallOptions = {}): Promise<ListAuthnMethodsResponse> {
    return this.http.request('GET', this.http.url(ApiPath.auth), {
      ...options,
      schema: listAuthnMethodsResponseSchema,
    });
  }

  /** One method's requirement; NotFound for a name the server does not offer. */
  method(name: string, options: CallOptions = {}): Promise<Requirement> {
    return this.http.request('GET', this.http.url(ApiPath.authMethod(name)), {
      ...options,
      schema: requirementSchema,
    });
  }

  /**
   * Authenticates with the method `name`. Refused credentials resolve to `{success: false, reason}` (the
   * server's 401) rather than throwing; a success carries the token to pass as the `token` option.
   */
  async authenticate(
    name: string,
    methodData: Uint8Array,
    options: CallOptions = {},
  ): Promise<Authentication> {
    const raw = await this.http.request<unknown>('POST', this.http.url(ApiPath.authMethod(name)), {
      ...options,
      body: { Name: name, MethodData: base64Encode(methodData) },
      answerStatuses: [401],
    });
    if (!isPlainObject(raw) || !isPlainObject(raw['Authentication'])) {
      throw errorFromResponse(401, { value: raw }, JSON.stringify(raw));
    }
    const { success, reason, token } = decodeResponse<AuthnResponse>(
      raw,
      authnResponseSchema(),
    ).Authentication;
    // Absent on the wire (omitempty), so absent here rather than ''.
    return { success, ...(reason ? { reason } : {}), ...(token ? { token } : {}) };
  }
}
