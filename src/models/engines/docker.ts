/**
 * The Docker engine params (Go `pkg/executor/docker/models.EngineSpec`), decoded and validated with
 * Bacalhau's messages. Keys match case-insensitively, as Go's JSON decoding of the params map does.
 * In models, not with the executor: the orchestrator checks them on submission and `job validate`
 * before it (check.ts), with the decoder the executor runs.
 */
import { BacalhauError, ErrorCode } from '../bacerrors.js';
import { EnvVarPrefix } from '../constants.js';
import { paramReader } from '../param-values.js';
import type { SpecConfig } from '../spec-config.js';
import { imageReferenceProblem } from './image-reference.js';

/** The component of the Docker executor's errors. */
export const DockerComponent = 'Docker';

export interface DockerEngineSpec {
  /** Image reference, pulled when absent from the node. */
  Image: string;
  /**
   * Replaces the image's ENTRYPOINT; undefined (absent or null) keeps it, and an empty list clears it,
   * as the Docker API takes `[]` (`--entrypoint ''` gives that).
   */
  Entrypoint: string[] | undefined;
  /** The container's Cmd: arguments to the entrypoint (or the command when the image has none). */
  Parameters: string[];
  /** `KEY=value` entries; they override the task env of the same name. */
  EnvironmentVariables: string[];
  /** Absolute path inside the container; empty keeps the image's working directory. */
  WorkingDirectory: string;
}

/** The params, decoded; throws one error listing every problem found. */
export function decodeDockerSpec(engine: SpecConfig): DockerEngineSpec {
  const problems: string[] = [];
  const params = paramReader(engine.Params ?? {}, problems);
  const string = (key: string): string =>
    params.string(key, (given) => `'${key}' must be a string, not ${given}`);
  const notAList =
    (key: string) =>
    (given: string): string =>
      `'${key}' must be a list of strings, not ${given}`;
  const list = (key: string): string[] => params.list(key, notAList(key));

  const image = string('Image');
  const badImage = image.trim() === '' ? undefined : imageReferenceProblem(image);
  // (one of the wrong type was said so already)
  if (image.trim() === '' && problems.length === 0) problems.push("'Image' cannot be empty");
  if (badImage !== undefined) {
    problems.push(`'Image' (${JSON.stringify(image)}) is not an image reference Docker takes: ${badImage}`);
  }
  const workingDirectory = string('WorkingDirectory');
  if (workingDirectory !== '' && !workingDirectory.startsWith('/')) {
    // Go checks the prefix rather than using an OS path check: the path is inside a Linux container
    problems.push(`'WorkingDirectory' (${JSON.stringify(workingDirectory)}) must contain absolute path`);
  }
  const environmentVariables = list('EnvironmentVariables');
  for (const entry of environmentVariables) {
    const name = entry.split('=', 1)[0] ?? '';
    if (name.toUpperCase().startsWith(EnvVarPrefix)) {
      problems.push(`environment variable '${name}' cannot start with ${EnvVarPrefix}`);
    }
  }
  const spec: DockerEngineSpec = {
    Image: image,
    Entrypoint: params.optionalList('Entrypoint', notAList('Entrypoint')),
    Parameters: list('Parameters'),
    EnvironmentVariables: environmentVariables,
    WorkingDirectory: workingDirectory,
  };
  if (problems.length > 0) throw specError(problems);
  return spec;
}

/**
 * Bad `Task.Engine.Params`: each problem is Go's message after its `invalid docker engine param: `
 * prefix, one line each.
 */
function specError(problems: readonly string[]): BacalhauError {
  return new BacalhauError(problems.map((p) => `invalid docker engine param: ${p}`).join('\n'), {
    code: ErrorCode.ExecutorSpecValidationErr,
    component: DockerComponent,
    hint:
      'Fix Task.Engine.Params: Image is required; Entrypoint, Parameters and EnvironmentVariables ' +
      '("KEY=value", no BACALHAU_ prefix) are lists of strings; WorkingDirectory is an absolute path',
  });
}
