/**
 * The built CLI (`node dist/main.js`, the package's `bacalhau` bin) as a shell runs it: a child process
 * with its own environment, standard input and exit code. `ensureBuilt()` builds `dist/` first when it is
 * missing or older than a source file or the build script, so the tests never run stale code. Test files
 * run in parallel and another may be running the CLI meanwhile, so a build goes to a folder of its own
 * that then replaces `dist/` in one rename, and one build runs at a time (a lock directory).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CliRun } from './cli.js';
import { REPO_ROOT } from './test-env.js';

const dist = join(REPO_ROOT, 'dist');
export const builtMain = join(dist, 'main.js');
const buildScript = join(REPO_ROOT, 'scripts/build.mjs');
/** Beside `dist/` (renames stay on one file system); `.test-env/` is git-ignored. */
const workDir = join(REPO_ROOT, '.test-env');
const lockDir = join(workDir, 'dist-build.lock');

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  try {
    const built = statSync(builtMain).mtimeMs;
    // the sources, and how they are built
    return built < newestSourceMtime(join(REPO_ROOT, 'src')) || built < statSync(buildScript).mtimeMs;
  } catch {
    return true;
  }
}

function tryLock(): boolean {
  try {
    mkdirSync(workDir, { recursive: true });
    mkdirSync(lockDir);
    return true;
  } catch {
    // Held by another test file, or left by a killed run: a lock older than a build is stale.
    const heldSince = statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - heldSince > 180_000) rmSync(lockDir, { recursive: true, force: true });
    return false;
  }
}

/**
 * Builds `dist/` when stale, as `npm run build` does (scripts/build.mjs). Source maps are left out:
 * their relative paths would point nowhere once the folder is moved into place.
 */
export async function ensureBuilt(): Promise<void> {
  while (!tryLock()) await new Promise((resolve) => setTimeout(resolve, 500));
  try {
    if (!isStale()) return;
    const next = join(workDir, `dist-next-${process.pid}`);
    const build = spawnSync(process.execPath, [buildScript, next, '--no-sourcemap'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    try {
      statSync(join(next, 'main.js'));
    } catch {
      throw new Error(`the build produced no main.js:\n${build.stdout}${build.stderr}`);
    }
    const old = join(workDir, `dist-old-${process.pid}`);
    try {
      renameSync(dist, old);
    } catch {
      // no dist/ yet
    }
    renameSync(next, dist);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export interface BuiltRunOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
}

/** Runs `node dist/main.js <args>` to completion; the environment is exactly `env` (plus PATH). */
export function runBuilt(args: readonly string[], options: BuiltRunOptions = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [builtMain, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
