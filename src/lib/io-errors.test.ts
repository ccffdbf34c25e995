import { describe, expect, it } from 'vitest';
import { diskError } from './io-errors.js';

describe('diskError', () => {
  it('points at the disk, or at the open-files limit when the node had no file descriptor left', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(diskError('Publisher', 'archiving', full)).toMatchObject({
      message: 'archiving: ENOSPC: no space left on device, write',
      hint: 'Check free space and permissions of the compute node data directory.',
    });
    const emfile = Object.assign(new Error("EMFILE: too many open files, scandir '/d'"), { code: 'EMFILE' });
    expect(diskError('Publisher', 'preparing /d', emfile).hint).toBe(
      'the compute node has no file descriptor left: raise its open-files limit: ulimit -n, or LimitNOFILE ' +
        'for a systemd service',
    );
  });
});
