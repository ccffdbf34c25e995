/**
 * The build (scripts/build.mjs) as users run it: `dist/main.js` bundled, with the code only `serve` and
 * `devstack` need in chunks loaded when they run. Every CLI command is a process of its own, so what a
 * client command loads at start-up is what each one waits for.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { builtMain, ensureBuilt, runBuilt } from '../helpers/built-cli.js';

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

/** The specifiers `file` imports statically (`import … from "x"`, `import "x"`), not `import("x")`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // the bundle's import statements start their line; a dynamic import() matches neither `from "…"`
  // nor `import "…"`
  const pattern = /^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"|^import\s*"([^"]+)"/gms;
  return [...text.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? '');
}

/** What `entry`'s static import graph loads: its own files (followed) and the modules they import. */
function loadedBy(entry: string): { files: Set<string>; modules: Set<string> } {
  const files = new Set<string>();
  const modules = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
      else modules.add(specifier);
    }
  };
  visit(entry);
  return { files, modules };
}

it('starts a client command without loading what only a node runs', () => {
  const { files, modules } = loadedBy(builtMain);
  // the walk went into the chunk shared with `serve`, and found what the CLI needs
  expect([...files].some((file) => file.includes('/chunks/'))).toBe(true);
  expect(modules).toContain('node:fs');
  for (const server of ['fastify', '@fastify/cors', 'better-sqlite3', 'dockerode', '@nats-io/transport-node'])
    expect(modules, server).not.toContain(server);
});

it('reports its version from package.json wherever the bundle put the code', async () => {
  const { version } = JSON.parse(readFileSync(join(dirname(builtMain), '../package.json'), 'utf8')) as {
    version: string;
  };
  const run = await runBuilt(['version', '--client', '--output', 'json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({
    clientVersion: { GitVersion: `v1.9.0+bacalhau-ts.${version}` },
  });
});
