/**
 * The built-in engines' params, checked on submission with the decoders their executors run, and the
 * required param of each built-in input source (jobspec/params.ts), so that a spec no node could run
 * is refused at once (400, naming the param and what was given) instead of being scheduled, failing on
 * a node and being retried there. `job validate` runs the same check, so that it passes only what a
 * submission would.
 *
 * Deliberate difference: Go leaves both to the compute node, where the same mistakes end as a failed
 * execution (or a bid rejection) after the job was accepted. Other engine and source types, which this
 * orchestrator cannot know, are left to their nodes as in Go.
 */
import { BacalhauError } from '../bacerrors.js';
import { Engine } from '../constants.js';
import type { Job } from '../job.js';
import { invalidJobSpec } from '../jobspec/decode.js';
import { missingInputParams } from '../jobspec/params.js';
import { isSpecType, type SpecConfig } from '../spec-config.js';
import { decodeDockerSpec } from './docker.js';
import { decodeWasmSpec } from './wasm.js';

const decoders: readonly (readonly [string, (engine: SpecConfig) => unknown])[] = [
  [Engine.Docker, decodeDockerSpec],
  [Engine.Wasm, decodeWasmSpec],
];

/**
 * Throws a ValidationError listing every task whose built-in engine params are invalid (with the first
 * refusing executor's hint) and every input source that lacks its required param.
 */
export function checkBuiltinParams(job: Job): void {
  const refusals = job.Tasks.flatMap(({ Engine: engine }) => {
    const decode = decoders.find(([type]) => isSpecType(engine, type))?.[1];
    if (engine === undefined || decode === undefined) return [];
    try {
      decode(engine);
      return [];
    } catch (err) {
      if (err instanceof BacalhauError) return [err];
      throw err;
    }
  });
  const problems = [...refusals.map((err) => err.message), ...missingInputParams(job)];
  if (problems.length === 0) return;
  throw invalidJobSpec(problems, refusals[0]?.hint);
}
