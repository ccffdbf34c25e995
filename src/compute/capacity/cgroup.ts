/**
 * CPU and memory limits that the process's control groups (v2 or v1) place below what the machine has.
 *
 * Deliberate difference from Bacalhau v1.9: Go reports `runtime.NumCPU()` and the machine's total
 * memory even inside a container limited to less, so its compute node offers capacity it cannot
 * use and jobs get throttled or OOM-killed. Here the effective limit is the tightest one found on the
 * process's cgroup and its ancestors; with no limit (a plain host), results are Go's.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Where the cgroup filesystem and this process's membership are read from; tests point elsewhere. */
export interface CgroupPaths {
  /** The cgroup mount (`/sys/fs/cgroup`). */
  root: string;
  /** The process's membership list (`/proc/self/cgroup`). */
  selfCgroupFile: string;
}

export const defaultCgroupPaths: CgroupPaths = {
  root: '/sys/fs/cgroup',
  selfCgroupFile: '/proc/self/cgroup',
};

export interface CgroupLimits {
  /** Cores the CPU quota allows (quota / period); absent when unlimited. */
  cpu?: number;
  /** Bytes; absent when unlimited. */
  memory?: number;
}

/** The limits of this process's cgroups; none when cgroups are not mounted or readable. */
export async function cgroupLimits(paths: CgroupPaths = defaultCgroupPaths): Promise<CgroupLimits> {
  const membership = await readText(paths.selfCgroupFile);
  if (membership === undefined) return {};
  const entries = membership
    .split('\n')
    .map((line) => /^(\d+):([^:]*):(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, , controllers = '', path = '']) => ({ controllers: controllers.split(','), path }));

  // cgroup v2: one unified hierarchy mounted at the root, listed as `0::<path>`. A hybrid host also
  // lists `0::` but mounts the unified tree elsewhere, with the controllers in v1 hierarchies.
  const unified = entries.find((e) => e.controllers.length === 1 && e.controllers[0] === '');
  const pureV2 = (await readText(join(paths.root, 'cgroup.controllers'))) !== undefined;
  if (unified !== undefined && pureV2) {
    const dirs = ancestors(paths.root, unified.path);
    return withDefined({
      cpu: await tightest(dirs, 'cpu.max', parseCpuMax),
      memory: await tightest(dirs, 'memory.max', parseBytesLimit),
    });
  }
  // cgroup v1 (or hybrid): one hierarchy per controller, mounted under the controller's name.
  const v1Dirs = (controller: string): string[] => {
    const entry = entries.find((e) => e.controllers.includes(controller));
    return entry === undefined ? [] : ancestors(join(paths.root, controller), entry.path);
  };
  const cpuDirs = v1Dirs('cpu');
  return withDefined({
    cpu: await tightest(cpuDirs, 'cpu.cfs_quota_us', async (quota, dir) => {
      const period = await readText(join(dir, 'cpu.cfs_period_us'));
      return period === undefined ? undefined : parseCpuMax(`${quota} ${period}`);
    }),
    memory: await tightest(v1Dirs('memory'), 'memory.limit_in_bytes', parseBytesLimit),
  });
}

/**
 * The cgroup's own folder and those of its ancestors up to the mount. Inside a container the listed
 * path is the host's and may not exist in the container's view; the mount itself then holds the limits.
 */
function ancestors(root: string, cgroupPath: string): string[] {
  const dirs: string[] = [];
  for (let p = cgroupPath; p !== '/' && p !== '' && p !== '.'; p = dirname(p)) dirs.push(join(root, p));
  dirs.push(root);
  return dirs;
}

/** The smallest limit any of `dirs` sets in `file`. */
async function tightest(
  dirs: readonly string[],
  file: string,
  parse: (text: string, dir: string) => number | undefined | Promise<number | undefined>,
): Promise<number | undefined> {
  let limit: number | undefined;
  for (const dir of dirs) {
    const text = await readText(join(dir, file));
    const value = text === undefined ? undefined : await parse(text, dir);
    if (value !== undefined && (limit === undefined || value < limit)) limit = value;
  }
  return limit;
}

/** `cpu.max` (`<quota> <period>` or `max <period>`), also used for v1's quota (-1 = none) and period. */
function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/).map(Number);
  if (quota === undefined || period === undefined || !(quota > 0) || !(period > 0)) return undefined;
  return quota / period;
}

/** `memory.max` (`max` = none) or v1's `memory.limit_in_bytes` (a huge number = none). */
function parseBytesLimit(text: string): number | undefined {
  const value = Number(text.trim());
  return Number.isFinite(value) && value > 0 && value < 2 ** 62 ? value : undefined;
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

function withDefined(limits: CgroupLimits): CgroupLimits {
  const out: CgroupLimits = {};
  if (limits.cpu !== undefined) out.cpu = limits.cpu;
  if (limits.memory !== undefined) out.memory = limits.memory;
  return out;
}
