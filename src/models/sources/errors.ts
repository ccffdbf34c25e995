/**
 * Problems with an input source's fields. They carry the field in `details.Field` and at the start of
 * the message, so that a caller can name the input in front of it (`InputSources[0].Source.Params.URL:
 * …`) without parsing anything: the compute node's storage layer (`atInput`) and the submission check
 * (`Tasks[0].InputSources[0]…`).
 */
import { BacalhauError, ErrorCode, type BacalhauErrorOptions } from '../bacerrors.js';

export const StorageComponent = 'Storage';

export interface FieldErrorOptions extends Omit<BacalhauErrorOptions, 'details' | 'component'> {
  /** How to fix it; every storage error has one. */
  hint: string;
}

/** A problem with `field` of an input source (`Source.Params.URL`); ValidationError unless told. */
export function fieldError(field: string, problem: string, options: FieldErrorOptions): BacalhauError {
  return new BacalhauError(`${field}: ${problem}`, {
    code: ErrorCode.ValidationError,
    ...options,
    component: StorageComponent,
    details: { Field: field },
  });
}

/** A problem with one of the source's parameters. */
export function paramError(param: string, problem: string, options: FieldErrorOptions): BacalhauError {
  return fieldError(`Source.Params.${param}`, problem, options);
}
