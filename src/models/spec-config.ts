import { isBlank } from './validate.js';

/** A typed, parameterised plug-in reference: engine, publisher, or input source (`models.SpecConfig`). */
export interface SpecConfig {
  Type: string;
  Params?: Record<string, unknown>;
}

export function normalizeSpecConfig(spec: SpecConfig): SpecConfig {
  return { Type: spec.Type.trim(), Params: spec.Params ?? {} };
}

/** Go's words for a required spec (engine, input source) that is absent. */
export const NilSpecConfig = 'nil spec config';

/** Problems of a required spec (engine, input source). */
export function validateSpecConfig(spec: SpecConfig | undefined): string[] {
  if (spec === undefined) return [NilSpecConfig];
  return isBlank(spec.Type) ? ['missing spec type'] : [];
}

export function isEmptySpecConfig(spec: SpecConfig | undefined): boolean {
  return spec === undefined || (spec.Type === '' && Object.keys(spec.Params ?? {}).length === 0);
}

/** Plug-in types compare case-insensitively and ignore surrounding white space. */
export function isSpecType(spec: SpecConfig | undefined, type: string): boolean {
  return spec !== undefined && spec.Type.toLowerCase() === type.trim().toLowerCase();
}
