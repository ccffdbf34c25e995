import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecutionLogType } from '../models/execution.js';
import { LogFile } from './log-file.js';
import { withTempDir } from './testing.js';

const text = (s: string) => Buffer.from(s);

describe('LogFile', () => {
  it('gives a follower the frames appended while it was reading, even when the log ended meanwhile', () =>
    withTempDir(async (dir) => {
      const log = await LogFile.create(join(dir, 'log'));
      await log.append([{ type: ExecutionLogType.Stdout, data: text('first\n') }]);
      const follower = log.read({ follow: true });
      const first = await follower.next();
      expect(first.done !== true && Buffer.from(first.value.data).toString()).toBe('first\n');
      // the follower is suspended after its first frame: more comes, then the end
      await log.append([{ type: ExecutionLogType.Stderr, data: text('second\n') }]);
      await log.end();
      const rest: string[] = [];
      for (let next = await follower.next(); next.done !== true; next = await follower.next()) {
        rest.push(Buffer.from(next.value.data).toString());
      }
      expect(rest).toEqual(['second\n']);
    }));
});
