import type * as Fs from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { pathUnder } from '../../lib/byte-path.js';
import { tarDirectory } from '../../lib/tar-writer.js';
import { ErrorCode } from '../../models/bacerrors.js';
import { chooseDownloader } from './downloaders.js';
import { downloadResults, type DownloadSettings, type ResultToDownload } from './results.js';
import { executionFiles, resultArchive, startResultServer, treeOf, type ResultServer } from './testing.js';

/** Downloads written through node:fs fail with this code while it is set (a full disk, without filling one). */
const failing = vi.hoisted(() => ({ writes: undefined as string | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const createWriteStream = (...args: Parameters<typeof fs.createWriteStream>) => {
    const code = failing.writes;
    if (code === undefined) return fs.createWriteStream(...args);
    const full = Object.assign(new Error(`${code}: no space left on device, write`), { code });
    return new Writable({ write: (_chunk, _encoding, done) => done(full) });
  };
  return { ...fs, createWriteStream };
});

const archives: Record<string, Buffer> = {
  '/e-1.tar.gz': resultArchive(executionFiles('e-1', { 'outputs/1.txt': '1' })),
  '/e-2.tar.gz': resultArchive(executionFiles('e-2', { 'outputs/2.txt': '2' })),
  '/e-3.tar.gz': resultArchive(executionFiles('e-3', { 'outputs/3.txt': '3' })),
  '/same.tar.gz': resultArchive(executionFiles('e-3', { 'outputs/1.txt': 'clash' })),
  '/corrupt.tar.gz': Buffer.from('this is not gzip'),
  // two URLs whose paths flatten to one download name
  '/a/b.tar.gz': resultArchive(executionFiles('e-1', { 'outputs/1.txt': '1' })),
  '/a_b.tar.gz': resultArchive(executionFiles('e-2', { 'outputs/2.txt': '2' })),
};

let server: ResultServer;
let port: string;
let out: string;
beforeAll(async () => {
  server = await startResultServer((_req, res, path) => {
    if (path === '/slow.tar.gz') return void res.writeHead(200).write('x'); // never ends
    const body = archives[path];
    res.writeHead(body === undefined ? 404 : 200).end(body ?? 'gone');
  });
  port = new URL(server.url('/')).port;
});
afterAll(() => server.close());
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'download-results-'));
});
afterEach(() => rm(out, { recursive: true, force: true }));

function result(executionID: string, path: string, type = 'urlDownload'): ResultToDownload {
  const param = type === 'urlDownload' ? 'URL' : 'PreSignedURL';
  const choice = chooseDownloader(type, { Disabled: [] });
  if (!choice.available) throw new Error(`no downloader for ${type}`);
  return {
    executionID,
    result: { Type: type, Params: { [param]: server.url(path) } },
    downloader: choice.downloader,
  };
}

const settings = (overrides: Partial<DownloadSettings> = {}): DownloadSettings => ({
  outputDir: out,
  raw: false,
  timeoutMs: 0,
  ...overrides,
});

describe('downloadResults', () => {
  it('merges one result into the output folder and removes what it downloaded', async () => {
    await downloadResults([result('e-1', '/e-1.tar.gz')], settings());
    expect(await treeOf(out)).toEqual({ ...executionFiles('e-1', { 'outputs/1.txt': '1' }), 'outputs/': '' });
  });

  it('merges three results (urlDownload and s3PreSigned alike), appending their logs', async () => {
    const results = [
      result('e-1', '/e-1.tar.gz'),
      result('e-2', '/e-2.tar.gz?X-Amz-Signature=s', 's3PreSigned'),
      result('e-3', '/e-3.tar.gz'),
    ];
    await downloadResults(results, settings());
    expect(await treeOf(out)).toEqual({
      stdout: 'e-1 out\ne-2 out\ne-3 out\n',
      stderr: 'e-1 err\ne-2 err\ne-3 err\n',
      exitCode: '000',
      'outputs/': '',
      'outputs/1.txt': '1',
      'outputs/2.txt': '2',
      'outputs/3.txt': '3',
    });
  });

  it('downloads a location two executions share once, and merges it once', async () => {
    await downloadResults([result('e-1', '/e-1.tar.gz'), result('e-2', '/e-1.tar.gz')], settings());
    expect(await treeOf(out)).toMatchObject({ stdout: 'e-1 out\n' });
  });

  it('keeps apart the downloads of different URLs whose names flatten alike', async () => {
    await downloadResults([result('e-1', '/a/b.tar.gz'), result('e-2', '/a_b.tar.gz')], settings());
    expect(await treeOf(out)).toEqual({
      stdout: 'e-1 out\ne-2 out\n',
      stderr: 'e-1 err\ne-2 err\n',
      exitCode: '00',
      'outputs/': '',
      'outputs/1.txt': '1',
      'outputs/2.txt': '2',
    });
    await rm(out, { recursive: true });
    await mkdir(out);
    await downloadResults(
      [result('e-1', '/a/b.tar.gz'), result('e-2', '/a_b.tar.gz')],
      settings({ raw: true }),
    );
    expect((await readdir(join(out, 'raw'))).sort()).toEqual([
      `127.0.0.1_${port}_a_b-2.tar.gz`,
      `127.0.0.1_${port}_a_b.tar.gz`,
    ]);
  });

  it('with raw, keeps each download as it came in raw/', async () => {
    await downloadResults(
      [result('e-1', '/e-1.tar.gz'), result('e-2', '/e-2.tar.gz')],
      settings({ raw: true }),
    );
    expect(await readdir(out)).toEqual(['raw']);
    expect((await readdir(join(out, 'raw'))).sort()).toEqual([
      `127.0.0.1_${port}_e-1.tar.gz`,
      `127.0.0.1_${port}_e-2.tar.gz`,
    ]);
  });

  it('with raw, fetching again into the same folder keeps one copy of each result, as Go does', async () => {
    const results = [
      result('e-1', '/e-1.tar.gz'),
      result('e-2', '/a/b.tar.gz'),
      result('e-3', '/a_b.tar.gz'),
    ];
    await downloadResults(results, settings({ raw: true }));
    await downloadResults(results, settings({ raw: true }));
    expect(await readdir(out)).toEqual(['raw']);
    expect((await readdir(join(out, 'raw'))).sort()).toEqual([
      `127.0.0.1_${port}_a_b-2.tar.gz`,
      `127.0.0.1_${port}_a_b.tar.gz`,
      `127.0.0.1_${port}_e-1.tar.gz`,
    ]);
    // a failed run keeps the downloads it completed in raw/ too, in place of the earlier ones
    const failure = downloadResults(
      [result('e-1', '/e-1.tar.gz'), result('e-2', '/gone.tar.gz')],
      settings({ raw: true }),
    );
    await expect(failure).rejects.toMatchObject({
      hint: `Nothing was merged into ${out}; complete downloads are in ${join(out, 'raw')}.`,
    });
    expect(await readdir(out)).toEqual(['raw']);
    expect(await readdir(join(out, 'raw'))).toHaveLength(3);
  });

  it('with raw, replaces a folder of the same name an earlier run left in raw/', async () => {
    const name = `127.0.0.1_${port}_e-1.tar.gz`;
    await mkdir(join(out, 'raw', name), { recursive: true });
    await writeFile(join(out, 'raw', name, 'old'), 'old');
    await downloadResults([result('e-1', '/e-1.tar.gz')], settings({ raw: true }));
    expect((await stat(join(out, 'raw', name))).isFile()).toBe(true);
  });

  it('names the execution whose download failed and merges nothing', async () => {
    const results = [
      result('e-1', '/e-1.tar.gz'),
      result('e-2', '/gone.tar.gz'),
      result('e-3', '/e-3.tar.gz'),
    ];
    const failure = await downloadResults(results, settings()).catch((err: unknown) => err);
    const [left] = await readdir(out);
    expect(left).toMatch(/^raw-/);
    expect(failure).toMatchObject({
      code: ErrorCode.NotFound,
      message:
        'failed to download the results of execution e-2: ' +
        `request to http://127.0.0.1:${port}/gone.tar.gz failed with status code 404: gone`,
      hint: `Nothing was merged into ${out}; complete downloads are in ${join(out, left ?? '')}.`,
    });
    expect(await readdir(join(out, left ?? ''))).toEqual([`127.0.0.1_${port}_e-1.tar.gz`]);
  });

  it('says to free space on the disk of the output folder when it is full, and leaves nothing behind', async () => {
    failing.writes = 'ENOSPC';
    let failure: unknown;
    try {
      failure = await downloadResults([result('e-1', '/e-1.tar.gz')], settings()).catch(
        (err: unknown) => err,
      );
    } finally {
      failing.writes = undefined;
    }
    expect(failure).toMatchObject({
      code: ErrorCode.IOError,
      message: expect.stringMatching(
        /^failed to download the results of execution e-1: writing http:\/\/127\.0\.0\.1:\d+\/e-1\.tar\.gz into \S+: ENOSPC: no space left on device, write$/u,
      ) as unknown,
      hint: `Free space on the disk that holds ${out}, or choose another --output-dir. Nothing was merged into ${out}.`,
    });
    expect(await readdir(out)).toEqual([]);
  });

  it('leaves nothing behind when no download completed', async () => {
    await expect(downloadResults([result('e-2', '/gone.tar.gz')], settings())).rejects.toMatchObject({
      hint: `Nothing was merged into ${out}.`,
    });
    expect(await readdir(out)).toEqual([]);
  });

  it('says first why nothing answered, then what is left where', async () => {
    const gone = await startResultServer(() => undefined);
    const url = gone.url('/e-1.tar.gz');
    await gone.close();
    const choice = chooseDownloader('urlDownload', { Disabled: [] });
    if (!choice.available) throw new Error('no urlDownload downloader');
    const away = {
      executionID: 'e-1',
      result: { Type: 'urlDownload', Params: { URL: url } },
      downloader: choice.downloader,
    };
    await expect(downloadResults([away], settings())).rejects.toMatchObject({
      hint:
        `Nothing answers at ${new URL(url).host}: the node that published these results may be stopped, ` +
        `or not reachable from here (a local publisher serves them from its compute node). Nothing was merged into ${out}.`,
    });
  });

  it('leaves a raw/ folder the output folder already had alone, and merges a result folder named raw', async () => {
    await mkdir(join(out, 'raw'));
    await writeFile(join(out, 'raw', 'precious.csv'), 'mine');
    archives['/raw.tar.gz'] = resultArchive(executionFiles('e-1', { 'raw/f': 'theirs' }));
    await downloadResults([result('e-1', '/raw.tar.gz')], settings());
    expect(await treeOf(out)).toEqual({
      ...executionFiles('e-1', { 'raw/f': 'theirs' }),
      'raw/': '',
      'raw/precious.csv': 'mine',
    });
  });

  it('names the execution whose archive is damaged and merges nothing', async () => {
    const results = [result('e-1', '/e-1.tar.gz'), result('e-2', '/corrupt.tar.gz')];
    await expect(downloadResults(results, settings())).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
      message:
        'failed to unpack the results of execution e-2: ' +
        `127.0.0.1_${port}_corrupt.tar.gz is not a valid tar.gz archive: incorrect header check`,
    });
    expect(await readdir(out)).toEqual([expect.stringMatching(/^raw-/)]);
  });

  it('refuses a merge conflict without merging anything, suggesting --raw', async () => {
    const results = [result('e-1', '/e-1.tar.gz'), result('e-3', '/same.tar.gz')];
    await expect(downloadResults(results, settings())).rejects.toThrow(
      `cannot merge results as output already exists: ${join(out, 'outputs/1.txt')}. Try --raw`,
    );
    expect(await readdir(out)).toEqual([]);
  });

  it('gives up after the timeout, naming the execution', async () => {
    const results = [result('e-1', '/e-1.tar.gz'), result('e-2', '/slow.tar.gz')];
    // long enough for e-1's download on a loaded machine (300 ms once was not), e-2's never ends
    await expect(downloadResults(results, settings({ timeoutMs: 2000 }))).rejects.toMatchObject({
      code: ErrorCode.TimeOut,
      message: 'downloading the results of execution e-2 timed out after 2s',
      hint: expect.stringContaining('--download-timeout-secs (or ResultDownloaders.Timeout)') as unknown,
    });
  });

  it('needs an existing output folder', async () => {
    const missing = join(out, 'missing');
    await expect(
      downloadResults([result('e-1', '/e-1.tar.gz')], settings({ outputDir: missing })),
    ).rejects.toThrow(`output dir does not exist: ${missing}`);
    const file = join(out, 'a-file');
    await writeFile(file, '');
    await expect(
      downloadResults([result('e-1', '/e-1.tar.gz')], settings({ outputDir: file })),
    ).rejects.toMatchObject({
      message: `output dir is not a directory: ${file}`,
      hint: expect.stringContaining('Give a folder') as unknown,
    });
  });

  it('writes back names that are not UTF-8 as the bytes the local publisher archived', async () => {
    const source = await mkdtemp(join(tmpdir(), 'download-results-source-'));
    const names = [Buffer.from([0x78, 0xff]), Buffer.from([0x78, 0xfe])]; // both read as "x\ufffd"
    try {
      await mkdir(join(source, 'outputs'));
      for (const name of names) await writeFile(pathUnder(join(source, 'outputs'), name), name);
      await writeFile(join(source, 'stdout'), 'ok\n');
      const chunks: Buffer[] = [];
      for await (const chunk of tarDirectory(source)) chunks.push(chunk);
      archives['/not-utf8.tar.gz'] = gzipSync(Buffer.concat(chunks));
      await downloadResults([result('e-1', '/not-utf8.tar.gz')], settings());
    } finally {
      await rm(source, { recursive: true, force: true });
    }
    const outputs = await readdir(Buffer.from(join(out, 'outputs')), { encoding: 'buffer' });
    const byBytes = (a: Buffer, b: Buffer): number => Buffer.compare(a, b);
    expect(outputs.sort(byBytes)).toEqual([...names].sort(byBytes));
    for (const name of names) expect(await readFile(pathUnder(join(out, 'outputs'), name))).toEqual(name);
    expect(await readFile(join(out, 'stdout'), 'utf8')).toBe('ok\n');
  });

  it('merges into an output folder that already holds other files', async () => {
    await mkdir(join(out, 'outputs'));
    await downloadResults([result('e-1', '/e-1.tar.gz')], settings());
    expect(await treeOf(out)).toMatchObject({ 'outputs/1.txt': '1', stdout: 'e-1 out\n' });
  });
});
