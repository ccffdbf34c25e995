/**
 * The authentication-method seam (Go's `authn.Authenticator`): each configured method (a key of
 * `API.Auth.Methods`) tells clients how to authenticate and checks what they send back.
 */
import type { Authentication, Requirement } from '../../apimodels/auth.js';

export interface Authenticator {
  /** How a client authenticates with this method (`GET /api/v1/auth[/{name}]`). */
  requirement(): Promise<Requirement>;
  /**
   * Checks a client's `MethodData`. Credentials that do not pass resolve to `{success: false, reason}`
   * (answered 401); malformed data rejects with a 400 BacalhauError.
   */
  authenticate(methodData: Uint8Array): Promise<Authentication>;
}
