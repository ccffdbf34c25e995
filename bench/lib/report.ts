/**
 * What every benchmark prints: a header with the machine, each figure with its unit, and ratios
 * against a baseline measured in the same run (the machines here are noisy, so an absolute figure alone
 * says little; a ratio of two figures taken minutes apart on the same machine says more).
 */
import { cpus, totalmem } from 'node:os';

export function printHeader(title: string, parameters: Record<string, string | number>): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# ${title}`);
  console.log(
    `machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  for (const [key, value] of Object.entries(parameters)) console.log(`${key}: ${value}`);
  console.log('');
}

export function printFigure(name: string, value: number, unit: string, digits = 0): void {
  console.log(`${name.padEnd(44)} ${value.toFixed(digits).padStart(12)} ${unit}`);
}

export function printRatio(name: string, value: number, against: number, note: string): void {
  console.log(`${name.padEnd(44)} ${(value / against).toFixed(3).padStart(12)}   ${note}`);
}

/** The value below which `p` (0..1) of the sorted samples fall (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Parses `--name value` flags into numbers, with defaults; anything else is an error. */
export function numericFlags<K extends string>(
  argv: readonly string[],
  defaults: Record<K, number>,
): Record<K, number> {
  const values = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/u, '') as K | undefined;
    const value = Number(argv[i + 1]);
    if (name === undefined || !(name in defaults) || !Number.isFinite(value) || value <= 0) {
      throw new Error(
        `usage: ${Object.keys(defaults)
          .map((k) => `[--${k} N]`)
          .join(' ')} (got ${argv.slice(i, i + 2).join(' ')})`,
      );
    }
    values[name] = value;
  }
  return values;
}

/** Takes the boolean `--name` switches out of argv: which were given, and the other arguments. */
export function takeSwitches<S extends string>(
  argv: readonly string[],
  names: readonly S[],
): { switches: Record<S, boolean>; rest: string[] } {
  const switches = Object.fromEntries(names.map((n) => [n, false])) as Record<S, boolean>;
  const rest: string[] = [];
  for (const arg of argv) {
    const name = arg.replace(/^--/u, '') as S;
    if (arg.startsWith('--') && names.includes(name)) switches[name] = true;
    else rest.push(arg);
  }
  return { switches, rest };
}

export interface Distribution {
  runs: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    median: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}
