/** `--labels <selector>`: a Kubernetes label selector, checked before it is sent. */
import { InvalidArgumentError } from 'commander';
import { errorMessage } from '../../models/bacerrors.js';
import { parseLabelSelector } from '../../models/selector.js';

export function parseLabelFlag(value: string): string {
  try {
    parseLabelSelector(value);
  } catch (err) {
    throw new InvalidArgumentError(`could not parse labels: ${errorMessage(err)}`);
  }
  return value;
}
