// `serve` as one process: what its stop does when a part fails to stop.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { load } from '../config/index.js';
import { ServeNode } from './serve.js';

describe('ServeNode.stop', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'serve-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops every other part and unlocks the data dir when one part fails to stop, and reports it', async () => {
    const failures: [unknown, string][] = [];
    const node = await ServeNode.start({
      config: load({
        env: {},
        home: dir,
        dataDir: dir,
        config: [
          'Orchestrator.Enabled=true',
          'Compute.Enabled=true',
          'API.Port=0',
          'Publishers.Types.Local.Port=0',
          'Engines.Disabled=docker',
        ],
      }),
      onError: (error, component) => failures.push([error, component]),
    });
    const full = new Error('database or disk is full');
    vi.spyOn(node.compute!, 'stop').mockRejectedValue(full);
    const orchestratorStop = vi.spyOn(node.orchestrator!, 'stop');

    await expect(node.stop()).resolves.toBeUndefined();
    expect(failures).toEqual([[full, 'Compute']]);
    expect(orchestratorStop).toHaveBeenCalled();
    expect(node.state).toBe('stopped');
    expect(existsSync(join(dir, 'bacalhau.lock'))).toBe(false);
  });
});
