/**
 * The Docker engine params (Go `pkg/executor/docker/models.EngineSpec`), decoded and validated with
 * Bacalhau's messages. Keys match case-insensitively, as Go's JSON decoding of the params map does.
 * In models, not with the executor: the orchestrator checks them on submission and `job validate`
 * before it (check.ts), with the decoder the executor runs.
 */
import { BacalhauError, ErrorCode } from '../bacerrors.js';
import { getField } from '../codec.js';
import { EnvVarPrefix } from '../constants.js';
import { stringListParam, stringParam } from '../param-values.js';
import type { SpecConfig } from '../spec-config.js';
import { imageReferenceProblem } from './image-reference.js';

/** The component of the Docker executor's errors. */
export const DockerComponent = 'Docker';

export interface DockerEngineSpec {
  /** Image reference, pulled when absent from the node. */
  Image: string;
  /** Replaces the image's ENTRYPOINT when not empty. */
  Entrypoint: string[];
  /** The container's Cmd: arguments to the entrypoint (or the command when the image has none). */
  Parameters: string[];
  /** `KEY=value` entries; they override the task env of the same name. */
  EnvironmentVariables: string[];
  /** Absolute path inside the container; empty keeps the image's working directory. */
  WorkingDirectory: string;
}

export function decodeDockerSpec(engine: SpecConfig): DockerEngineSpec {
  const params = engine.Params ?? {};
  const get = (key: string): unknown => getField(params, key);

  const image = optionalString(get('Image'), 'Image');
  if (image.trim() === '') throw specError("'Image' cannot be empty");
  const badImage = imageReferenceProblem(image);
  if (badImage !== undefined) {
    throw specError(`'Image' (${JSON.stringify(image)}) is not an image reference Docker takes: ${badImage}`);
  }
  const workingDirectory = optionalString(get('WorkingDirectory'), 'WorkingDirectory');
  if (workingDirectory !== '' && !workingDirectory.startsWith('/')) {
    // Go checks the prefix rather than using an OS path check: the path is inside a Linux container
    throw specError(`'WorkingDirectory' (${JSON.stringify(workingDirectory)}) must contain absolute path`);
  }
  const environmentVariables = stringList(get('EnvironmentVariables'), 'EnvironmentVariables');
  for (const entry of environmentVariables) {
    const name = entry.split('=', 1)[0] ?? '';
    if (name.toUpperCase().startsWith(EnvVarPrefix)) {
      throw specError(`environment variable '${name}' cannot start with ${EnvVarPrefix}`);
    }
  }
  return {
    Image: image,
    Entrypoint: stringList(get('Entrypoint'), 'Entrypoint'),
    Parameters: stringList(get('Parameters'), 'Parameters'),
    EnvironmentVariables: environmentVariables,
    WorkingDirectory: workingDirectory,
  };
}

/** Bad `Task.Engine.Params`; `problem` is Go's message after its `invalid docker engine param: ` prefix. */
function specError(problem: string): BacalhauError {
  return new BacalhauError(`invalid docker engine param: ${problem}`, {
    code: ErrorCode.ExecutorSpecValidationErr,
    component: DockerComponent,
    hint:
      'Fix Task.Engine.Params: Image is required; Entrypoint, Parameters and EnvironmentVariables ' +
      '("KEY=value", no BACALHAU_ prefix) are lists of strings; WorkingDirectory is an absolute path',
  });
}

function optionalString(value: unknown, field: string): string {
  return stringParam(value, (given) => specError(`'${field}' must be a string, not ${given}`));
}

function stringList(value: unknown, field: string): string[] {
  return stringListParam(value, (given) => specError(`'${field}' must be a list of strings, not ${given}`));
}
