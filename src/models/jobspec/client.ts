import { constraintWarnings, sanitizeJobSubmission, validateJobSubmission, type Job } from '../job.js';
import { inspectJobSpec, invalidJobSpec } from './decode.js';
import { parseSpecDocument } from './parse.js';

/**
 * What `bacalhau job validate` and `job run` do before anything reaches a server: strict decoding,
 * Bacalhau's submission validation (every problem at once), then sanitizing with warnings. A refused
 * spec's error also lists the fields it ignored: a misspelt `Engin` is why the engine is missing.
 */
export function prepareJobForSubmission(text: string, source?: string): { job: Job; warnings: string[] } {
  const decoded = inspectJobSpec(parseSpecDocument(text, source), 'client');
  const problems = [...decoded.problems, ...(decoded.wellTyped ? validateJobSubmission(decoded.job) : [])];
  if (problems.length > 0) throw invalidJobSpec([...problems, ...decoded.warnings]);
  const sanitized = sanitizeJobSubmission(decoded.job);
  return {
    job: sanitized.job,
    warnings: [...decoded.warnings, ...constraintWarnings(decoded.job), ...sanitized.warnings],
  };
}
