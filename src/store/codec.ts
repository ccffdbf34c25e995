/**
 * Records are stored as Bacalhau's wire JSON (the model codec), so a stored document is exactly what
 * the API serves and what Go would have written; decoding restores the model types (e.g. execution
 * states stored as integers come back as names).
 */
import { encode, sharedSchema, struct, type StructSchema } from '../models/codec.js';
import { trustedDecoder } from '../models/trusted-decoder.js';
import type { Evaluation } from '../models/evaluation.js';
import type { Execution } from '../models/execution.js';
import type { Job } from '../models/job.js';
import type { JobHistory } from '../models/job-history.js';
import type { NodeState } from '../models/node.js';
import {
  evaluationSchema,
  executionSchema,
  jobHistorySchema,
  jobSchema,
  nodeStateSchema,
} from '../models/schemas.js';
import { datastoreFailure } from './errors.js';

export interface DocCodec<T> {
  encode(value: T): string;
  /**
   * The document, and the value exactly as `decode(doc)` would return it, built from the encoding
   * without parsing the JSON back: what a write returns as "the record as stored".
   */
  encodeAndDecode(value: T): { doc: string; stored: T };
  decode(doc: string): T;
}

/**
 * Documents are decoded with the trusted decoder: the store wrote them itself. A document that is not
 * even JSON, or whose enum values are unknown, is reported as corrupt.
 */
function docCodec<T>(schema: () => StructSchema): DocCodec<T> {
  const kind = struct(schema);
  const resolved = schema();
  const decode = trustedDecoder<T>(resolved);
  return {
    encode: (value) => JSON.stringify(encode(value, kind)),
    encodeAndDecode(value) {
      // `encode` builds a new tree (free-form values included), so the decoded value shares nothing
      // with `value`; the tree itself is dropped after serialising.
      const tree = encode(value, kind);
      return { doc: JSON.stringify(tree), stored: decode(tree) };
    },
    decode(doc) {
      try {
        return decode(JSON.parse(doc));
      } catch (err) {
        throw datastoreFailure(`corrupt ${resolved.name} record: ${(err as Error).message}`, err);
      }
    },
  };
}

export const jobDoc = docCodec<Job>(jobSchema);

/** What a job's state change writes (records.ts `jobWithState`); the rest of the job is its spec. */
const jobStateFields = ['State', 'Revision', 'ModifyTime'] as const;
export type JobStatePart = Pick<Job, (typeof jobStateFields)[number]>;

/** A job's state part alone, encoded as those fields of a job document. */
export const jobStateDoc = docCodec<JobStatePart>(
  sharedSchema(() => ({
    name: 'Job',
    fields: jobSchema().fields.filter((f) => (jobStateFields as readonly string[]).includes(f.name)),
  })),
);
export const executionDoc = docCodec<Execution>(executionSchema);
export const evaluationDoc = docCodec<Evaluation>(evaluationSchema);
export const historyDoc = docCodec<JobHistory>(jobHistorySchema);
export const nodeDoc = docCodec<NodeState>(nodeStateSchema);
