/**
 * Rules that span several keys, checked on the merged configuration (per-key types, allowed values and
 * allocated-capacity formats are checked while parsing, in values.ts).
 */
import type { Problem } from './errors.js';
import { dataDirProblem } from './paths.js';
import type { BacalhauConfig } from './schema.js';

/** Every cross-key problem of a merged configuration. */
export function validateConfig(config: BacalhauConfig): Problem[] {
  const problems: Problem[] = [];

  const dataDir = dataDirProblem(config.DataDir);
  if (dataDir !== undefined) problems.push(dataDir);

  // Bacalhau's NodeConfig.Validate: the users/OAuth2 mechanism excludes the policy mechanism.
  const auth = config.API.Auth;
  const hasUsers = auth.Users.length > 0;
  const hasOauth2 = Object.values(auth.Oauth2).some((v) =>
    Array.isArray(v) ? v.length > 0 : v !== '' && v !== 0,
  );
  if ((hasUsers || hasOauth2) && auth.AccessPolicyPath !== '') {
    problems.push({
      message:
        'mixing old and new auth mechanisms not supported. ' +
        'when Users or Oauth2 is defined in API.Auth, Methods and AccessPolicyPath must be empty',
      hint: 'Remove API.Auth.AccessPolicyPath, or remove API.Auth.Users and API.Auth.Oauth2',
    });
  }

  return problems;
}
