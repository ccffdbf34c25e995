import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../models/bacerrors.js';
import { fetchUrl, resultFileName } from './http.js';
import { resultArchive, startResultServer, type ResultServer } from './testing.js';

const archive = resultArchive({ stdout: 'hi\n' });
const big = Buffer.alloc(3 * 1024 * 1024, 'z');

let server: ResultServer;
let port: string;
let dir: string;

beforeAll(async () => {
  server = await startResultServer((_req, res, path) => {
    const disposition: Record<string, string> = {
      '/download': 'attachment; filename="e-1.tar.gz"',
      '/download-tgz': `attachment; filename*=UTF-8''r%C3%A9sults.tgz`,
      '/report': 'attachment; filename="report.txt"',
    };
    if (path === '/results/e-1.tar.gz' || disposition[path] !== undefined) {
      res.writeHead(200, disposition[path] === undefined ? {} : { 'Content-Disposition': disposition[path] });
      res.end(archive);
    } else if (path === '/big.bin') {
      res.end(big);
    } else if (path === '/slow.tar.gz') {
      res.writeHead(200);
      res.write(archive.subarray(0, 10)); // and never finishes
    } else {
      res.writeHead(404);
      res.end('no such result\n');
    }
  });
  port = new URL(server.url('/')).port;
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'download-http-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('resultFileName', () => {
  it("flattens the URL's host and decoded path into one name, as Go does", () => {
    expect(resultFileName(new URL('http://127.0.0.1:6001/e-1.tar.gz'))).toBe('127.0.0.1_6001_e-1.tar.gz');
    expect(resultFileName(new URL('https://s3.example.com/bucket/a%20b/c.tgz?X-Amz-Signature=s'))).toBe(
      's3.example.com_bucket_a b_c.tgz',
    );
    expect(resultFileName(new URL('http://h/%E0%A4%A'))).toBe('h_%E0%A4%A');
  });

  it('leaves out a NUL, which no file name may hold', () => {
    expect(resultFileName(new URL('http://h/a%00b.tar.gz'))).toBe('h_a_b.tar.gz');
  });
});

describe('fetchUrl', () => {
  it('streams the body to a file named after the URL', async () => {
    const path = await fetchUrl(server.url('/results/e-1.tar.gz'), dir);
    expect(path).toBe(join(dir, `127.0.0.1_${port}_results_e-1.tar.gz`));
    expect((await readFile(path)).equals(archive)).toBe(true);
    expect((await readFile(await fetchUrl(server.url('/big.bin'), dir))).equals(big)).toBe(true);
  });

  it.each([
    ['/download?id=1', `127.0.0.1_${'PORT'}_download.tar.gz`],
    ['/download-tgz', `127.0.0.1_${'PORT'}_download-tgz.tgz`],
    ['/report', `127.0.0.1_${'PORT'}_report`],
  ])('takes the archive suffix of a Content-Disposition name (%s)', async (path, name) => {
    expect(await fetchUrl(server.url(path), dir)).toBe(join(dir, name.replace('PORT', port)));
  });

  it('reports a non-2xx answer with its status and body, and leaves no file', async () => {
    const failure = fetchUrl(server.url('/missing.tar.gz?X-Amz-Signature=secret'), dir);
    await expect(failure).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      message: `request to http://127.0.0.1:${port}/missing.tar.gz?… failed with status code 404: no such result`,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops when the signal fires, leaving no partial file', async () => {
    const failure = fetchUrl(server.url('/slow.tar.gz'), dir, { signal: AbortSignal.timeout(200) });
    await expect(failure).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the URL when nothing answers there', async () => {
    const gone = await startResultServer(() => undefined);
    const url = gone.url('/e-1.tar.gz');
    await gone.close();
    await expect(fetchUrl(url, dir)).rejects.toMatchObject({
      code: ErrorCode.NetworkFailure,
      message: expect.stringMatching(
        new RegExp(`^request to ${url} failed: connect ECONNREFUSED`),
      ) as unknown,
      hint: expect.stringContaining(
        `Nothing answers at ${new URL(url).host}: the node that published these results may be stopped`,
      ) as unknown,
    });
  });

  it('refuses what is not an http(s) URL', async () => {
    await expect(fetchUrl('file:///etc/passwd', dir)).rejects.toThrow(
      '"file:///etc/passwd" is not an http or https URL',
    );
    await expect(fetchUrl('not a url', dir)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
  });
});
