import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { parseLogLevel, nodeLogger } from './serve-logger.js';

/** The lines a logger in `mode` writes for one info line with fields, and one debug line. */
function lines(mode?: string): string[] {
  const out: string[] = [];
  const logger = nodeLogger((line) => out.push(line), parseLogLevel('info'), mode);
  logger.info('node joined', { node: 'n-1', error: new Error('flaky link'), count: 2 });
  logger.debug('not at info');
  return out;
}

describe('nodeLogger', () => {
  it('writes <time> <LEVEL> <message> key=value by default, at Logging.Level and above', () => {
    expect(lines()).toEqual([
      expect.stringMatching(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z INF node joined node=n-1 error="flaky link" count=2\n$/,
      ),
    ]);
    // a mode it does not know (the config refuses one) writes the default form
    expect(lines('nonsense')).toEqual([expect.stringContaining(' INF node joined ') as unknown]);
  });

  it("writes an error's hint after the fields, which its message leaves out", () => {
    const out: string[] = [];
    const logger = nodeLogger((line) => out.push(line), 'info');
    const full = new BacalhauError('job store write failed: database or disk is full', {
      code: ErrorCode.DatastoreFailure,
      hint: 'free space on the disk that holds /d/state.db',
    });
    logger.error('NodeManager: background failure', { error: full });
    expect(out).toEqual([
      expect.stringMatching(
        / ERR NodeManager: background failure error="job store write failed: database or disk is full" errorHint="free space on the disk that holds \/d\/state\.db"\n$/u,
      ),
    ]);
  });

  it('writes one JSON object per line in json mode, as zerolog does', () => {
    const [line = ''] = lines('json');
    expect(line.endsWith('}\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) as unknown,
      message: 'node joined',
      node: 'n-1',
      error: 'flaky link',
      count: 2,
    });
  });

  it('writes the message and fields only in cmd mode', () => {
    expect(lines('cmd')).toEqual(['node joined node=n-1 error="flaky link" count=2\n']);
  });
});
