// Recording an execution across a restart of its node: the log file and the OutputRecorder continue
// what the previous process recorded (a re-attached execution), and a fresh recording starts empty.
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DownloadFilename } from '../models/constants.js';
import { ExecutionLogType } from '../models/execution.js';
import { LogFile } from './log-file.js';
import { DefaultOutputLimits, LogFileName, OutputRecorder, type RecorderOptions } from './results.js';
import { withTempDir } from './testing.js';

const { Stdout, Stderr } = ExecutionLogType;
const text = (s: string) => Buffer.from(s);

async function frames(log: LogFile): Promise<string[]> {
  const read: string[] = [];
  for await (const chunk of log.read()) read.push(`${chunk.type}:${Buffer.from(chunk.data).toString()}`);
  return read;
}

describe('LogFile.resume', () => {
  it('keeps the frames a previous process wrote and appends after them', () =>
    withTempDir(async (dir) => {
      const path = join(dir, 'log');
      const before = await LogFile.create(path);
      await before.append([{ type: Stdout, data: text('one\n') }]);
      await before.append([{ type: Stderr, data: text('two\n') }]);
      await before.end();
      const resumed = await LogFile.resume(path);
      // what it held of each stream when resumed: where a daemon's log of the task continues (supervise.ts)
      expect([resumed.resumedWith(Stdout), resumed.resumedWith(Stderr)]).toEqual([4, 4]);
      await resumed.append([{ type: Stdout, data: text('three\n') }]);
      await resumed.end();
      expect(await frames(resumed)).toEqual(['1:one\n', '2:two\n', '1:three\n']);
      expect(resumed.resumedWith(Stdout)).toBe(4);
    }));

  it('drops a last frame the previous process was killed in the middle of writing', () =>
    withTempDir(async (dir) => {
      const path = join(dir, 'log');
      const before = await LogFile.create(path);
      await before.append([{ type: Stdout, data: text('whole\n') }]);
      await before.end();
      // a header announcing 10 bytes, of which 3 reached the file
      await appendFile(path, Buffer.from([1, 0, 0, 0, 0, 0, 0, 10, 0x63, 0x75, 0x74]));
      const resumed = await LogFile.resume(path);
      expect(resumed.resumedWith(Stdout)).toBe('whole\n'.length);
      await resumed.append([{ type: Stdout, data: text('next\n') }]);
      await resumed.end();
      expect(await frames(resumed)).toEqual(['1:whole\n', '1:next\n']);
    }));

  it('starts an empty file when there is none', () =>
    withTempDir(async (dir) => {
      const resumed = await LogFile.resume(join(dir, 'log'));
      expect([resumed.resumedWith(Stdout), resumed.resumedWith(Stderr)]).toEqual([0, 0]);
      await resumed.append([{ type: Stderr, data: text('first\n') }]);
      await resumed.end();
      expect(await frames(resumed)).toEqual(['2:first\n']);
    }));
});

describe('OutputRecorder across a restart', () => {
  const options = (dir: string): RecorderOptions => ({
    resultsDir: join(dir, 'results'),
    logsDir: dir,
    outputs: [],
    limits: { ...DefaultOutputLimits, maxStdoutReturnLength: 16 },
  });
  const result = (dir: string, name: string) => readFile(join(dir, 'results', name), 'utf8');

  /** A recorder that wrote `pieces` and whose process then died: files left as they were, no result. */
  async function recordThenCrash(dir: string, pieces: [ExecutionLogType, string][]): Promise<void> {
    await mkdir(join(dir, 'results'), { recursive: true });
    const recorder = await OutputRecorder.create(options(dir));
    for (const [type, data] of pieces) await recorder.write(type, text(data));
    await recorder.close();
  }

  it('continues stdout, stderr and the log, and summarises the whole output', () =>
    withTempDir(async (dir) => {
      await recordThenCrash(dir, [
        [Stdout, 'line 1\n'],
        [Stderr, 'oops 1\n'],
      ]);
      const resumed = await OutputRecorder.resume(options(dir));
      await resumed.write(Stdout, text('line 2\n'));
      await resumed.write(Stderr, text('oops 2\n'));
      const run = await resumed.finish(0);
      expect(await result(dir, DownloadFilename.Stdout)).toBe('line 1\nline 2\n');
      expect(await result(dir, DownloadFilename.Stderr)).toBe('oops 1\noops 2\n');
      expect(await frames(resumed.log)).toEqual(['1:line 1\n', '2:oops 1\n', '1:line 2\n', '2:oops 2\n']);
      // the summary spans the restart
      expect(run).toMatchObject({
        Stdout: 'line 1\nline 2\n',
        StdoutTruncated: false,
        stderr: 'oops 1\noops 2\n',
      });
    }));

  it('counts the output before the restart towards the summary and its truncation flag', () =>
    withTempDir(async (dir) => {
      await recordThenCrash(dir, [[Stdout, 'a long first line\n']]);
      const resumed = await OutputRecorder.resume(options(dir));
      await resumed.write(Stdout, text('more\n'));
      expect(await resumed.finish(0)).toMatchObject({ Stdout: 'a long first lin', StdoutTruncated: true });
    }));

  it('writes stdout and stderr again from the log when the results folder was emptied', () =>
    withTempDir(async (dir) => {
      await recordThenCrash(dir, [
        [Stdout, 'kept\n'],
        [Stderr, 'also kept\n'],
      ]);
      await rm(join(dir, 'results', DownloadFilename.Stdout));
      await writeFile(join(dir, 'results', DownloadFilename.Stderr), 'also kept\nwritten but not logged\n');
      const resumed = await OutputRecorder.resume(options(dir));
      await resumed.write(Stdout, text('after\n'));
      await resumed.finish(0);
      expect(await result(dir, DownloadFilename.Stdout)).toBe('kept\nafter\n');
      // the log is the record: a piece the process died before logging is not kept twice
      expect(await result(dir, DownloadFilename.Stderr)).toBe('also kept\n');
    }));

  it('starts a fresh recording empty, whatever an earlier attempt with the same ID left', () =>
    withTempDir(async (dir) => {
      await recordThenCrash(dir, [[Stdout, 'old attempt\n']]);
      const fresh = await OutputRecorder.create(options(dir));
      await fresh.write(Stdout, text('new\n'));
      expect(await fresh.finish(0)).toMatchObject({ Stdout: 'new\n' });
      expect(await result(dir, DownloadFilename.Stdout)).toBe('new\n');
      expect(await frames(fresh.log)).toEqual(['1:new\n']);
      expect((await stat(join(dir, LogFileName))).size).toBe(8 + 'new\n'.length);
    }));
});
