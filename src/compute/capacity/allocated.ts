/**
 * The share of the machine given to jobs (Go's `ResourceScaler.ToResource` and the node's
 * `scaleCapacityByAllocation`): each of `Compute.AllocatedCapacity.{CPU,Memory,Disk,GPU}` is either a
 * percentage of what the machine has (`80%`, 0–100) or an absolute amount (`4`, `500m`, `16Gi`, `1`).
 *
 * As in Go, an absolute amount is taken as given even when the machine has less (the node then
 * offers more than it has: the operator's call), and a GPU percentage is truncated but never below
 * one GPU when the machine has any (`50%` of 3 GPUs is 1, of 1 GPU is 1).
 *
 * Difference: when more GPUs are allocated than the machine reports details for, Go pads `GPUs` with
 * empty entries (`{Index 0, Name "", Vendor ""}`); here `GPUs` lists only real devices, which
 * `Resources` allows (details may cover fewer GPUs than `GPU`).
 */
import { throwIfProblems, type Problem } from '../../config/errors.js';
import { BacalhauError, ErrorCode, errorMessage } from '../../models/bacerrors.js';
import { goParseFloat, goQuote } from '../../models/go-compat.js';
import { isZero, parseBytes, parseCpu, parseGpu, type Resources } from '../../models/resources.js';

/** The config values of `Compute.AllocatedCapacity`; empty or absent fields mean "not set". */
export interface AllocatedCapacityConfig {
  CPU?: string;
  Memory?: string;
  Disk?: string;
  GPU?: string;
}

type Dimension = keyof AllocatedCapacityConfig;

const configKey = (d: Dimension): string => `Compute.AllocatedCapacity.${d}`;

/**
 * The capacity this node offers to jobs. All four fields empty: the whole machine.
 * @throws BacalhauError InternalError `system capacity is zero` when nothing was detected;
 *   ConfigurationError naming every bad `Compute.AllocatedCapacity.<X>` key.
 */
export function allocatedCapacity(system: Resources, config: AllocatedCapacityConfig): Resources {
  if (isZero(system)) {
    throw new BacalhauError('system capacity is zero', {
      code: ErrorCode.InternalError,
      component: 'Compute',
      hint: 'No CPU, memory or disk was detected on this machine: check that the data folder is on a mounted filesystem.',
    });
  }
  const values = {
    CPU: config.CPU ?? '',
    Memory: config.Memory ?? '',
    Disk: config.Disk ?? '',
    GPU: config.GPU ?? '',
  };
  if (Object.values(values).every((v) => v === '')) return system;

  const groups: { subject: string; problems: Problem[] }[] = [];
  const scale = (d: Dimension, absolute: (s: string) => number): number => {
    try {
      const value = values[d];
      return value.endsWith('%') ? share(d, value, system[d]) : absolute(value);
    } catch (err) {
      groups.push({ subject: configKey(d), problems: [{ message: errorMessage(err), hint: hintFor(d) }] });
      return 0;
    }
  };
  const out: Resources = {
    CPU: scale('CPU', (s) => absolute(s, 'CPU', parseCpu)),
    Memory: scale('Memory', (s) => absolute(s, 'Memory', parseBytes)),
    Disk: scale('Disk', (s) => absolute(s, 'Disk', parseBytes)),
    GPU: scale('GPU', (s) => absolute(s, 'GPU', parseGpu)),
  };
  throwIfProblems(groups);
  const gpus = (system.GPUs ?? []).slice(0, out.GPU);
  if (gpus.length > 0) out.GPUs = gpus;
  return out;
}

/** `<n>%` of `total`, with Go's messages (GPU messages have no `gpu capacity` prefix in Go). */
function share(d: Dimension, value: string, total: number): number {
  const prefix = d === 'GPU' ? '' : `${d.toLowerCase()} capacity `;
  const text = value.slice(0, -1);
  const parsed = goParseFloat(text);
  if (parsed.error !== undefined) {
    const problem = parsed.error === 'syntax' ? 'invalid syntax' : 'value out of range';
    throw new Error(
      `${prefix}invalid percentage format: strconv.ParseFloat: parsing ${goQuote(text)}: ${problem}`,
    );
  }
  // NaN passes Go's range check and poisons the figure; it is refused here.
  if (!(parsed.value >= 0 && parsed.value <= 100)) {
    throw new Error(`${prefix}percentage must be between 0% and 100%, got ${value}`);
  }
  const scaled = total * (parsed.value / 100);
  switch (d) {
    case 'CPU':
      return scaled;
    case 'GPU':
      return Math.trunc(scaled < 1 && total >= 1 ? 1 : scaled);
    case 'Memory':
    case 'Disk':
      return Math.trunc(scaled);
  }
}

/** An absolute amount, parsed as Bacalhau parses job resources; Go's `invalid <X> value "<s>"`. */
function absolute(value: string, d: Dimension, parse: (s: string) => number): number {
  try {
    return parse(value);
  } catch {
    throw new Error(`invalid ${d} value ${goQuote(value)}`);
  }
}

function hintFor(d: Dimension): string {
  const example = {
    CPU: '"80%" or "4" or "500m"',
    Memory: '"80%" or "16Gi"',
    Disk: '"80%" or "100Gi"',
    GPU: '"100%" or "1"',
  }[d];
  return `Set ${configKey(d)} to a percentage of the machine between 0% and 100% or an amount, e.g. ${example}.`;
}
