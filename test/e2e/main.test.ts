/** The `bacalhau` binary itself (src/main.ts), as a shell runs it. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/test-env.js';

it('stops quietly when its reader goes away (`bacalhau --help | head -1`)', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'src/main.ts'), 'serve', '--help'],
    {
      cwd: REPO_ROOT,
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Read one chunk, then close the pipe as `head` does.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).not.toMatch(/EPIPE|at /);
  expect(code).toBe(0);
});
