/**
 * The last resort of a benchmark's clean-up: a detached process that waits for this one to end, however
 * it ends, then kills the processes and removes the paths it was told about. Ctrl+C normally runs the
 * Cleanup steps, but tsx SIGKILLs a program that does not acknowledge a signal within ~60 ms (a busy
 * orchestrator may not), and `kill -9` runs nothing at all. Detached, the reaper is in a process group
 * of its own, which the terminal's Ctrl+C does not reach; it learns of the end when its stdin closes.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

const reaperSource = `
const { readFileSync, rmSync } = require('node:fs');
const paths = [];
const processes = [];
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let nl = buffered.indexOf('\\n'); nl >= 0; nl = buffered.indexOf('\\n')) {
    const item = JSON.parse(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
    if (item.path !== undefined) paths.push(item.path);
    else processes.push(item);
  }
});
process.stdin.on('end', () => {
  for (const { pid, marker } of processes) {
    try {
      if (readFileSync('/proc/' + pid + '/cmdline', 'utf8').includes(marker)) process.kill(pid, 'SIGKILL');
    } catch {}
  }
  for (const path of paths) rmSync(path, { recursive: true, force: true });
});
`;

export class Reaper {
  readonly #stdin: Socket;

  constructor() {
    const child = spawn(process.execPath, ['-e', reaperSource], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.unref();
    this.#stdin = child.stdin as Socket;
    this.#stdin.unref(); // it must not keep this process alive
  }

  /** Removes `path` (recursively) once this process is gone. */
  removePath(path: string): void {
    this.#tell({ path });
  }

  /**
   * Kills process `pid` once this process is gone, if its command line still contains `marker` (the
   * pid may have been reused by then). Linux only: elsewhere nothing is killed.
   */
  killProcess(pid: number | undefined, marker: string): void {
    if (pid !== undefined) this.#tell({ pid, marker });
  }

  #tell(item: object): void {
    this.#stdin.write(`${JSON.stringify(item)}\n`);
  }
}
