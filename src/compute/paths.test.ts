import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutionPaths } from './paths.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('ExecutionPaths.prepare', () => {
  it("creates the execution's folders", async () => {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    const paths = new ExecutionPaths(root);
    const dirs = await paths.prepare('e-1');
    expect([dirs.results, dirs.logs].map((d) => existsSync(d))).toEqual([true, true]);
    expect(readdirSync(dirs.results)).toEqual([]);
  });

  it('empties the results of an execution prepared again, and keeps other executions apart', async () => {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    const paths = new ExecutionPaths(root);
    const first = await paths.prepare('e-1');
    writeFileSync(join(first.results, 'stdout'), 'old');
    const other = await paths.prepare('e-2');
    writeFileSync(join(other.results, 'stdout'), 'other');
    const again = await paths.prepare('e-1');
    expect(readdirSync(again.results)).toEqual([]);
    expect(readdirSync(other.results)).toEqual(['stdout']);
  });

  it('keeps the results of an execution run again after a restart when asked to', async () => {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    const paths = new ExecutionPaths(root);
    const first = await paths.prepare('e-1');
    writeFileSync(join(first.results, 'stdout'), 'still running');
    const again = await paths.prepare('e-1', { keepResults: true });
    expect(readdirSync(again.results)).toEqual(['stdout']);
  });
});
