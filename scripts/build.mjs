#!/usr/bin/env node
// The build (`npm run build`): bundles src/main.ts and everything it imports into dist/ with esbuild.
// Every CLI command is a new process, and Node's module loader took ~120 ms to load the ~220 files
// tsc emitted (`version --client`: 175 ms against 50 ms for `node -e 0`); the same code as one entry
// file and a shared chunk loads in a fraction of that. Types are checked by `npm run check`, not here.
//
// The code `serve` and `devstack` alone need is split into chunks they import when they run, so a
// client command never loads the orchestrator, the compute node or their dependencies. npm packages
// stay outside the bundle and load from node_modules as before: native addons (better-sqlite3) and
// files some of them open at run time could not be bundled.
//
// Usage: node scripts/build.mjs [outdir] [--no-sourcemap]
//   outdir: default dist/, emptied first (chunk names change from build to build)
//   --no-sourcemap: for a build that is moved elsewhere afterwards (the maps' paths are relative)
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const sourcemap = !args.includes('--no-sourcemap');
const outdir = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(root, 'dist'));

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // no keepNames: it wraps every function made, closures in hot paths included, and nothing reads a
  // function's or class's name (errors set theirs)
  sourcemap,
  logLevel: 'warning',
});
