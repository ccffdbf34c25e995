#!/usr/bin/env node
// The build (`npm run build`): bundles src/main.ts and everything it imports into dist/ with esbuild.
// Every CLI command is a new process, and Node's module loader took ~120 ms to load the ~220 files
// tsc emitted (`version --client`: 175 ms against 50 ms for `node -e 0`); the same code as one entry
// file and a shared chunk loads in a fraction of that. Types are checked by `npm run check`, not here.
//
// The code `serve` and `devstack` alone need is split into chunks they import when they run, so a
// client command never loads the orchestrator, the compute node or their dependencies. Of the npm
// packages, only the plain-JavaScript ones every command loads are bundled (yaml alone is ~60 files);
// the others load from node_modules as before: native addons (better-sqlite3) and files some of them
// open at run time could not be bundled, and only `serve` loads them.
//
// Usage: node scripts/build.mjs [outdir] [--no-sourcemap]
//   outdir: default dist/, emptied first (chunk names change from build to build)
//   --no-sourcemap: for a build that is moved elsewhere afterwards (the maps' paths are relative)
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const sourcemap = !args.includes('--no-sourcemap');
const outdir = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(root, 'dist'));

/** The dependencies bundled; every other one (a new one too) stays external. */
const bundled = new Set(['commander', 'yaml', 'bcryptjs', '@sinclair/typebox']);
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(dependencies).filter((name) => !bundled.has(name));

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
  external,
  // yaml is CommonJS and requires Node's modules, which an ES module has no `require` for
  banner: {
    js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
  },
  // no keepNames: it wraps every function made, closures in hot paths included, and nothing reads a
  // function's or class's name (errors set theirs)
  sourcemap,
  logLevel: 'warning',
});
