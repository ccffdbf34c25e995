/**
 * CPU time, which a busy machine distorts less than wall time: this process's (all its threads) and
 * another process's (a child such as nats-server, whose time `process.cpuUsage()` does not include).
 */
import { readFileSync } from 'node:fs';

/** CPU time (user + system, all threads of this process) since `before`, in ms. */
export function cpuMsSince(before: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / 1000;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times (100 on every mainstream architecture). */
const ClockTicksPerSecond = 100;

/**
 * Another process's CPU time so far (user + system, ms, in steps of 10 ms), from /proc/<pid>/stat;
 * undefined off Linux or once the process is gone.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after "pid (comm) ": state is field 3, utime 14 and stime 15 (comm may hold spaces and parentheses)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / ClockTicksPerSecond : undefined;
  } catch {
    return undefined;
  }
}
