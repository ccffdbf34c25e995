import { normalizeSpecConfig, validateSpecConfig, type SpecConfig } from './spec-config.js';
import { hasNullChar, isBlank, within } from './validate.js';

/** Data made available to a task at `Target` (`models.InputSource`). */
export interface InputSource {
  Source?: SpecConfig;
  Alias: string;
  Target: string;
}

export function normalizeInputSource(input: InputSource): InputSource {
  if (input.Source === undefined) return input;
  return {
    Source: normalizeSpecConfig(input.Source),
    Alias: input.Alias.trim(),
    Target: input.Target.trim(),
  };
}

export function validateInputSource(input: InputSource): string[] {
  return [
    ...(isBlank(input.Target) ? ['input source is missing a target'] : []),
    ...(hasNullChar(input.Target) ? ['input source target cannot contain null characters'] : []),
    ...within('invalid input source', validateSpecConfig(input.Source)),
  ];
}
