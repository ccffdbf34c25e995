/**
 * "Is the component this job needs installed here?" (Go's `semantic.ProviderInstalledStrategy`), for
 * the task's publisher, engine and input types. Installed means present, working and not disabled
 * (`Publishers.Disabled`, `Engines.Disabled`, `InputSources.Disabled`): the lookup decides.
 */
import { goQuote } from '../../models/go-compat.js';
import type { Job } from '../../models/job.js';
import { bidResponse, type SemanticBidStrategy } from './types.js';

/**
 * Whether this node has the component `type`, matched case-insensitively as Go's providers match.
 * Engine and publisher types arrive trimmed; input types as written.
 */
export type InstalledLookup = (type: string) => boolean | Promise<boolean>;

/**
 * Refuses with `this node does not support "<type>"` at the first missing type; accepts with
 * `this node does support [<types>]`.
 */
export function providerInstalledStrategy(
  installed: InstalledLookup,
  typesOf: (job: Job) => readonly string[],
): SemanticBidStrategy {
  return {
    async shouldBid(request) {
      const types = typesOf(request.job);
      for (const type of types) {
        if (!(await installed(type))) return bidResponse(false, `support ${goQuote(type)}`);
      }
      return bidResponse(true, `support [${types.join(' ')}]`);
    },
  };
}

/**
 * The one type a spec names (engine, publisher), trimmed as Go's strategy does; none when blank. Its
 * spelling is kept: the refusal names it as the job does (`"Docker"`).
 */
export function specType(type: string | undefined): string[] {
  const key = (type ?? '').trim();
  return key === '' ? [] : [key];
}
