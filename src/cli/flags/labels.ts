/**
 * `--labels <selector>`: a Kubernetes label selector, checked before it is sent. Checked when the
 * command runs, as Bacalhau's RunE does, so a bad one reads `could not parse labels: …` rather than
 * pflag's `invalid argument … for "--labels" flag` with the flag's help as a hint.
 */
import { errorMessage } from '../../models/bacerrors.js';
import { parseLabelSelector } from '../../models/selector.js';
import { flagError } from './parse.js';

export function checkLabelFlag(value: string): string {
  try {
    parseLabelSelector(value);
  } catch (err) {
    throw flagError(`could not parse labels: ${errorMessage(err)}`);
  }
  return value;
}
