/**
 * Every `env:NAME` value of the task env is allowed by `Compute.Env.AllowList` (Go's
 * `semantic.EnvResolverStrategy`), checked with the resolver the runner uses later (`../env.ts`).
 * Whether NAME is set on the host is only found out at run time.
 */
import { errorMessage } from '../../models/bacerrors.js';
import type { EnvResolver } from '../env.js';
import { bidResponse, syncSemanticStrategy, taskOf, type SemanticBidStrategy } from './types.js';

export function envResolverStrategy(resolver: EnvResolver): SemanticBidStrategy {
  return syncSemanticStrategy((request) => {
    const env = taskOf(request.job).Env ?? {};
    const names = Object.keys(env);
    if (names.length === 0) return bidResponse(true, 'accept jobs without environment variables');
    // Go stops at the first refusal in map order (random); name order makes the reason stable.
    for (const name of names.sort()) {
      try {
        resolver.validate(env[name] ?? '');
      } catch (err) {
        return bidResponse(false, `resolve environment variable ${name}: ${errorMessage(err)}`);
      }
    }
    return bidResponse(true, 'resolve all required environment variables');
  });
}
