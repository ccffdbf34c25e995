/**
 * The authentication methods of `API.Auth.Methods`, by name (Go's `NewStandardAuthenticatorsFactory`).
 * None when `API.Auth.Users` or `Oauth2.ProviderID` is set: Go then offers no methods, which tells its
 * CLI to use username/password, API keys or SSO instead.
 *
 * `challenge` with its default policy works. `ask`, and `challenge` with a custom `PolicyPath`, need a Rego
 * policy engine, which bacalhau-ts does not have: they are left out of the list, and naming them answers
 * 501 with what to change in the configuration. An unknown `Type`, or a policy file that cannot be
 * read, stops the server, as in Go.
 */
import { readFileSync } from 'node:fs';
import { BacalhauError, ErrorCode, errorMessage } from '../../../models/bacerrors.js';
import { AuthMethodType, type Authentication, type Requirement } from '../../apimodels/auth.js';
import { usesEntryPoint, type AuthConfig } from '../authz/from-config.js';
import { ChallengeAuthenticator, type ChallengeDeps } from './challenge.js';
import type { Authenticator } from './types.js';

/** A configured method this server cannot run. */
export class UnsupportedMethod implements Authenticator {
  constructor(private readonly problem: BacalhauError) {}

  requirement(): Promise<Requirement> {
    return Promise.reject(this.problem);
  }

  authenticate(): Promise<Authentication> {
    return Promise.reject(this.problem);
  }
}

/**
 * @throws BacalhauError ConfigurationError listing every method of an unknown type (Go's message) and
 *   every policy file that cannot be read (Go reads them at start, and refuses to start without them)
 */
export function authenticatorsFromConfig(auth: AuthConfig, deps: ChallengeDeps): Map<string, Authenticator> {
  const methods = new Map<string, Authenticator>();
  if (usesEntryPoint(auth)) return methods;
  const unknown: string[] = [];
  const unreadable: string[] = [];
  for (const [name, method] of Object.entries(auth.Methods)) {
    const policyPath = method.PolicyPath ?? '';
    if (needsRegoEngine(method)) {
      const problem = policyProblem(policyPath);
      if (problem === undefined)
        methods.set(name, new UnsupportedMethod(noRegoEngineError(name, method.Type, policyPath)));
      else unreadable.push(`API.Auth.Methods.${name}.PolicyPath: ${problem}`);
    } else if (method.Type === AuthMethodType.Challenge) {
      methods.set(name, new ChallengeAuthenticator(deps));
    } else {
      unknown.push(`unknown authentication type: ${JSON.stringify(method.Type)}`);
    }
  }
  if (unknown.length + unreadable.length > 0) {
    const hints = [
      ...(unknown.length > 0
        ? [`API.Auth.Methods types are "${AuthMethodType.Challenge}" and "${AuthMethodType.Ask}"`]
        : []),
      ...(unreadable.length > 0 ? ['give each method a readable policy file, or remove the method'] : []),
    ];
    throw new BacalhauError([...unknown, ...unreadable].join('\n'), {
      code: ErrorCode.ConfigurationError,
      component: 'Authenticator',
      hint: hints.join('; '),
    });
  }
  return methods;
}

/** The configured methods this server cannot run (they need Rego), for a warning at start. */
export function methodsNeedingRego(auth: AuthConfig): string[] {
  if (usesEntryPoint(auth)) return [];
  return Object.entries(auth.Methods)
    .filter(([, method]) => needsRegoEngine(method))
    .map(([name]) => name);
}

/** `ask`, and `challenge` with a policy of its own: what only a Rego engine could run. */
function needsRegoEngine(method: AuthConfig['Methods'][string]): boolean {
  return (
    method.Type === AuthMethodType.Ask ||
    (method.Type === AuthMethodType.Challenge && (method.PolicyPath ?? '') !== '')
  );
}

/** Why the policy file at `path` cannot be read, if it cannot (an ask method must name one). */
function policyProblem(path: string): string | undefined {
  if (path === '') return 'missing: an ask method needs a policy file';
  try {
    readFileSync(path);
    return undefined;
  } catch (err) {
    return `cannot read ${path}: ${errorMessage(err)}`;
  }
}

function noRegoEngineError(name: string, type: string, policyPath: string): BacalhauError {
  const what =
    type === AuthMethodType.Ask
      ? 'is of type ask, whose questions and answers come from a Rego policy'
      : `has a PolicyPath (${policyPath}), a Rego policy`;
  return new BacalhauError(
    `authentication method ${JSON.stringify(name)} (API.Auth.Methods.${name}) ${what}; bacalhau-ts has no Rego engine to evaluate it`,
    {
      code: ErrorCode.NotImplemented,
      component: 'Authenticator',
      hint:
        `Remove API.Auth.Methods.${name} from the node's configuration (the challenge type without a ` +
        'PolicyPath works), or configure API.Auth.Users for username/password and API-key access',
    },
  );
}
