/**
 * The shape shared by the compute benchmarks: the same task run raw (the baselines) and as a job
 * through an embedded node, interleaved round by round so that the machine's slow and busy moments
 * fall on every series alike; then medians, p90s, the overhead against the first baseline as a
 * difference and a ratio, the verdict on the target, and where the job's milliseconds went.
 */
import { BackgroundDelayMs } from '../../src/lib/background-work.js';
import { distribution, printFigure, printHeader, printRatio, type Distribution } from './report.js';
import type { Marks } from './timeline.js';

export interface Series {
  name: string;
  /** One run; resolves with its duration in ms (setup that is not part of the figure stays outside). */
  run: () => Promise<number>;
  /** Shown for context (a floor under the job), not a baseline the overhead is measured against. */
  contextOnly?: boolean;
}

/**
 * How long a counted run waits for the work the one before left behind, so that no series is timed
 * with another's: a job's clean-up starts {@link BackgroundDelayMs} after its result, and a terminated
 * worker thread is torn down in the background.
 */
export const SettleMs = 2 * BackgroundDelayMs;

/** Runs `warmup` uncounted rounds, then `runs` counted ones; every round runs each series once. */
export async function sampleInterleaved(
  series: readonly Series[],
  runs: number,
  warmup: number,
): Promise<number[][]> {
  const samples = series.map(() => [] as number[]);
  for (let round = 0; round < warmup + runs; round++) {
    for (const [i, s] of series.entries()) {
      if (round >= warmup) await new Promise((resolve) => setTimeout(resolve, SettleMs));
      const ms = await s.run();
      if (round >= warmup) samples[i]?.push(ms);
    }
    if (process.stderr.isTTY) process.stderr.write(`\rround ${round + 1}/${warmup + runs}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  return samples;
}

export interface Target {
  /** What is compared with the limit: the median difference (ms) or the ratio of medians. */
  measure: 'difference' | 'ratio';
  limit: number;
  label: string;
}

export interface OverheadReport {
  title: string;
  parameters: Record<string, string | number>;
  /** Baselines first (the first is what the overhead is measured against), the embedded job last. */
  series: readonly { name: string; samples: readonly number[]; contextOnly?: boolean }[];
  /** The embedded runs' timelines. */
  timelines: readonly Marks[];
  target: Target;
}

interface Step {
  mark: string;
  /** Median ms since the submission began. */
  median: number;
  /** Runs in which the mark happened. */
  runs: number;
}

/** Each mark's median, in the order the medians fall. */
function breakdown(timelines: readonly Marks[]): Step[] {
  const names = new Set(timelines.flatMap((t) => Object.keys(t)));
  return [...names]
    .map((mark) => {
      const times = timelines.flatMap((t) => (t[mark] === undefined ? [] : [t[mark]]));
      return { mark, median: distribution(times).median, runs: times.length };
    })
    .sort((a, b) => a.median - b.median);
}

/** The job's median against one baseline's. */
interface Overhead {
  against: string;
  baselineMs: number;
  differenceMs: number;
  ratio: number;
}

export function reportOverhead(report: OverheadReport, json: boolean): void {
  const stats: (Distribution & { name: string; contextOnly: boolean })[] = report.series.map((s) => ({
    name: s.name,
    contextOnly: s.contextOnly === true,
    ...distribution(s.samples),
  }));
  const embedded = stats.at(-1);
  const baselines = stats.slice(0, -1).filter((b) => !b.contextOnly);
  if (embedded === undefined || baselines.length === 0) throw new Error('a job and a baseline are needed');
  const overheads: Overhead[] = baselines.map((b) => ({
    against: b.name,
    baselineMs: b.median,
    differenceMs: embedded.median - b.median,
    ratio: embedded.median / b.median,
  }));
  const { target } = report;
  const first = overheads[0] as Overhead;
  const met = (target.measure === 'difference' ? first.differenceMs : first.ratio) <= target.limit;
  const steps = breakdown(report.timelines);
  if (json) {
    const { title, parameters } = report;
    console.log(JSON.stringify({ title, parameters, series: stats, overheads, target, met, steps }));
    return;
  }
  printHeader(report.title, report.parameters);
  for (const s of stats) {
    printFigure(`${s.name}: median`, s.median, 'ms', 2);
    printFigure(`${s.name}: p90`, s.p90, 'ms', 2);
  }
  for (const o of overheads) {
    console.log(`\noverhead against ${o.against}:`);
    printFigure('  job median − baseline median', o.differenceMs, 'ms', 2);
    printRatio('  job median ÷ baseline median', embedded.median, o.baselineMs, '');
  }
  console.log(`\n${target.label} (against ${first.against}): ${met ? 'met' : 'not met'}`);
  console.log(`\nwhere the job's time goes (median ms since submit, Δ from the line above):`);
  let previous = 0;
  for (const step of steps) {
    const partial = step.runs < report.timelines.length ? `  (in ${step.runs} runs)` : '';
    const delta = `Δ ${(step.median - previous).toFixed(2)}`;
    console.log(
      `  ${step.mark.padEnd(42)} ${step.median.toFixed(2).padStart(9)}  ${delta.padStart(10)}${partial}`,
    );
    previous = step.median;
  }
}
