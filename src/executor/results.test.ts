// The recorder's batch write: many pieces of both streams at once, in order, within the file caps; and
// its log taken from the empty file made ahead of time, or discarded for a task that never started.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DownloadFilename } from '../models/constants.js';
import { ExecutionLogType } from '../models/execution.js';
import { MaxFramePayload } from './log-file.js';
import { LogFileName, OutputRecorder, SpareExitCodeFileName, SpareLogFileName } from './results.js';
import { withTempDir } from './testing.js';

const { Stdout, Stderr } = ExecutionLogType;
const text = (s: string) => Buffer.from(s);

describe('OutputRecorder.writeAll', () => {
  it('records a batch of both streams in order, splits big pieces into frames and drops what is past a cap', () =>
    withTempDir(async (dir) => {
      const resultsDir = join(dir, 'results');
      await mkdir(resultsDir);
      const limits = {
        maxStdoutFileLength: 12,
        maxStdoutReturnLength: 4,
        maxStderrFileLength: 2 * MaxFramePayload,
        maxStderrReturnLength: 2048,
      };
      const recorder = await OutputRecorder.create({ resultsDir, logsDir: dir, outputs: [], limits });
      const big = Buffer.alloc(MaxFramePayload + 10, 'e');
      await recorder.writeAll([
        { type: Stdout, data: text('out 1\n') },
        { type: Stderr, data: text('err 1\n') },
        { type: Stdout, data: text('out 2\n') },
        { type: Stdout, data: text('out 3\n') }, // past the 12-byte stdout cap: dropped
        { type: Stderr, data: big },
      ]);
      await recorder.writeAll([{ type: Stderr, data: text('err 2\n') }]);
      const frames: string[] = [];
      for await (const { type, data } of recorder.log.read()) frames.push(`${type}:${data.length}`);
      const result = await recorder.finish(0);

      expect(await readFile(join(resultsDir, DownloadFilename.Stdout), 'utf8')).toBe('out 1\nout 2\n');
      const stderr = await readFile(join(resultsDir, DownloadFilename.Stderr));
      expect(stderr.equals(Buffer.concat([text('err 1\n'), big, text('err 2\n')]))).toBe(true);
      expect(frames).toEqual([
        `${Stdout}:6`,
        `${Stderr}:6`,
        `${Stdout}:6`,
        `${Stderr}:${MaxFramePayload}`,
        `${Stderr}:10`,
        `${Stderr}:6`,
      ]);
      expect(result).toMatchObject({
        Stdout: 'out ',
        StdoutTruncated: true,
        StderrTruncated: true,
        ExitCode: 0,
      });
    }));
});

describe('OutputRecorder.create', () => {
  const limits = {
    maxStdoutFileLength: 1024,
    maxStdoutReturnLength: 1024,
    maxStderrFileLength: 1024,
    maxStderrReturnLength: 1024,
  };

  it('takes the log made ahead of time, a new file no more, and records into it', () =>
    withTempDir(async (dir) => {
      const resultsDir = join(dir, 'results');
      await mkdir(resultsDir);
      await writeFile(join(dir, SpareLogFileName), '');
      const made = (await stat(join(dir, SpareLogFileName))).ino;
      const recorder = await OutputRecorder.create({ resultsDir, logsDir: dir, outputs: [], limits });
      await recorder.writeAll([{ type: Stdout, data: text('hello\n') }]);
      await recorder.finish(0);
      expect((await readdir(dir)).sort()).toEqual([LogFileName, 'results']);
      expect((await stat(join(dir, LogFileName))).ino).toBe(made);
      const frames: string[] = [];
      for await (const { data } of recorder.log.read()) frames.push(data.toString());
      expect(frames).toEqual(['hello\n']);
    }));

  it('writes the exit code into the file made ahead of time, out of the results until then', () =>
    withTempDir(async (dir) => {
      const resultsDir = join(dir, 'results');
      await mkdir(resultsDir);
      await writeFile(join(dir, SpareExitCodeFileName), '');
      const made = (await stat(join(dir, SpareExitCodeFileName))).ino;
      const recorder = await OutputRecorder.create({ resultsDir, logsDir: dir, outputs: [], limits });
      expect(await readdir(resultsDir)).not.toContain(DownloadFilename.ExitCode);
      await recorder.finish(3);
      const exitCode = join(resultsDir, DownloadFilename.ExitCode);
      expect(await readFile(exitCode, 'utf8')).toBe('3');
      expect((await stat(exitCode)).ino).toBe(made);
      expect((await readdir(dir)).sort()).toEqual([LogFileName, 'results']);
    }));

  it('creates its log and exit code when none was made ahead', () =>
    withTempDir(async (dir) => {
      const resultsDir = join(dir, 'results');
      await mkdir(resultsDir);
      const recorder = await OutputRecorder.create({ resultsDir, logsDir: dir, outputs: [], limits });
      await recorder.finish(0);
      expect((await readdir(dir)).sort()).toEqual([LogFileName, 'results']);
      expect(await readFile(join(resultsDir, DownloadFilename.ExitCode), 'utf8')).toBe('0');
    }));

  it('discards its log for a task that never started, keeping the result files', () =>
    withTempDir(async (dir) => {
      const resultsDir = join(dir, 'results');
      await mkdir(resultsDir);
      await writeFile(join(dir, SpareLogFileName), '');
      const recorder = await OutputRecorder.create({ resultsDir, logsDir: dir, outputs: [], limits });
      await recorder.discard();
      expect(await readdir(dir)).toEqual(['results']);
      expect((await readdir(resultsDir)).sort()).toEqual([DownloadFilename.Stderr, DownloadFilename.Stdout]);
      await recorder.close(); // still idempotent
    }));
});
