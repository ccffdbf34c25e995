/**
 * CLI start-up: how long a one-shot command takes from the shell's point of view, against Node's own
 * start (`node -e 0`) measured in the same run. `version --client` makes no request; `agent alive`
 * makes one, to a bare HTTP server answering as a node does, so that only the CLI's side is measured.
 * Uses the build in dist/ (`npm run build` first).
 *
 *   npm run bench:cli -- [--runs 15]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distribution, numericFlags, printFigure, printHeader, printRatio } from './lib/report.js';

const flags = numericFlags(process.argv.slice(2), { runs: 15 });
const main = new URL('../dist/main.js', import.meta.url).pathname;
if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);

/** Wall time of one run of `node args…`, which must exit 0. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(performance.now() - start);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"Status":"OK"}');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const home = mkdtempSync(join(tmpdir(), 'bacalhau-ts-bench-cli-'));
try {
  const port = String((server.address() as AddressInfo).port);
  const env = { ...process.env, HOME: home, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: port };
  const commands: [string, string[]][] = [
    ['node -e 0 (baseline)', ['-e', '0']],
    ['bacalhau version --client', [main, 'version', '--client']],
    ['bacalhau agent alive', [main, 'agent', 'alive']],
  ];
  printHeader('CLI start-up: wall time of one-shot commands', { runs: flags.runs, build: main });
  const medians: number[] = [];
  for (const [name, args] of commands) {
    await timed(args, env); // a first run fills the file cache
    const samples: number[] = [];
    // one at a time: runs in parallel would measure the machine's cores
    for (let i = 0; i < flags.runs; i++) samples.push(await timed(args, env));
    const { median } = distribution(samples);
    medians.push(median);
    printFigure(`${name}: median`, median, 'ms', 1);
  }
  const baseline = medians[0] ?? Number.NaN;
  printRatio('version --client ÷ node -e 0', medians[1] ?? Number.NaN, baseline, '(1.0 = free start-up)');
  printRatio('agent alive ÷ node -e 0', medians[2] ?? Number.NaN, baseline, '(1.0 = free start-up)');
} finally {
  server.close();
  rmSync(home, { recursive: true, force: true });
}
