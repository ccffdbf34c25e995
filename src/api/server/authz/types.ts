/**
 * The authorizer seam (Go's `pkg/authz`): a decision per request, made before the body is read. It may
 * be asynchronous: checking a bcrypt password or fetching the OAuth2 provider's keys takes time that must
 * not block other requests. The server turns a refusal into 401 `Request Unauthorized` or 403 `Request
 * Forbidden` (`../authorize.ts`).
 */

/** The parts of a request an authorizer looks at. */
export interface AuthzRequest {
  method: string;
  /** The URL path, percent-decoded, without the query. */
  path: string;
  /** The first `Authorization` header; undefined when the request has none (an empty one is ''). */
  authorization: string | undefined;
}

/**
 * Go's `authz.Authorization`. Refused with a valid token (a known user lacking a capability) is a 403;
 * refused otherwise is a 401. `reason` is shown to the client.
 */
export interface Authorization {
  approved: boolean;
  tokenValid: boolean;
  reason: string;
}

export type Authorizer = (request: AuthzRequest) => Authorization | Promise<Authorization>;

/** Go's default policy (`policy_test_allow.rego`): every request, with or without a token. */
export const allowAll: Authorizer = () => ({ approved: true, tokenValid: true, reason: '' });
