import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BacalhauError, ErrorCode, type InputSource } from '../../models/index.js';
import { runStorageContract, volumeFiles, type BadInput } from '../storage.contract.js';
import { useTempDir } from '../testing/temp-dir.js';
import { csv, refusedUrl, startTestServer, type TestServer } from './testing.js';
import { UrlDownloadStorage } from './url.js';
import { dispositionFileName } from './filename.js';
import { decodeUrl } from '../../models/sources/url.js';

const download = (URL: unknown, Target = '/inputs'): InputSource => ({
  Source: { Type: 'urlDownload', Params: { URL } },
  Alias: '',
  Target,
});

const fast = { maxBytes: 1024, retryWaitMinMs: 1, retryWaitMaxMs: 5, timeoutMs: 5000 };

runStorageContract('urlDownload', async () => {
  const server = await startTestServer();
  const bad = (name: string, url: unknown, code?: ErrorCode): BadInput => ({
    name,
    input: download(url),
    field: 'Source.Params.URL',
    ...(code === undefined ? {} : { code }),
  });
  return {
    type: 'urlDownload',
    storage: new UrlDownloadStorage(fast),
    exclusive: true,
    good: [
      {
        name: 'a file',
        input: download(server.url('/files/data.csv')),
        files: { '': csv },
        target: '/inputs/data.csv',
        readOnly: false,
        size: csv.length,
        local: false,
      },
      {
        name: 'named by the server after a redirect',
        input: download(server.url('/redirect'), '/in'),
        files: { '': 'report' },
        target: '/in/réport.txt',
        readOnly: false,
        size: 'report'.length,
        local: false,
      },
    ],
    bad: [
      bad('no URL', undefined),
      bad('not a URL', 'not a url'),
      bad('ftp', 'ftp://127.0.0.1/file.txt'),
      bad('no path', server.url('')),
      bad('404', server.url('/missing.txt'), ErrorCode.NotFound),
      { ...bad('too large', server.url('/big.bin'), ErrorCode.ResourceExhausted), sized: 4096 },
      bad('connection refused', await refusedUrl(), ErrorCode.NetworkFailure),
    ],
    slow: download(server.url('/slow.bin')),
    close: () => server.close(),
  };
});

describe('urlDownload', () => {
  let server: TestServer;
  const temp = useTempDir('storage-url-');
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  const storage = new UrlDownloadStorage(fast);

  it('says a port Node.js will not connect to is the cause, once: no retry can help', async () => {
    await expect(
      storage.prepareStorage(temp.path, download('http://127.0.0.1:10080/data.csv')),
    ).rejects.toMatchObject({
      code: ErrorCode.NetworkFailure,
      retryable: false,
      message:
        'Source.Params.URL: cannot download http://127.0.0.1:10080/data.csv: port 10080 is one Node.js ' +
        'refuses to connect to (the Fetch standard blocks it)',
    });
  });

  it('names the file after the URL when there was no redirect, as Go does', async () => {
    const volume = await storage.prepareStorage(temp.path, download(server.url('/named/file.bin')));
    expect(volume.target).toBe('/inputs/file.bin');
  });

  it('decodes the URL path for the name', async () => {
    const volume = await storage.prepareStorage(temp.path, download(server.url('/files/%E2%9C%93%20ok.txt')));
    expect(volume.target).toBe('/inputs/✓ ok.txt');
  });

  it('retries transient failures', async () => {
    const volume = await storage.prepareStorage(temp.path, download(server.url('/flaky.txt')));
    expect(await volumeFiles(volume)).toEqual({ '': 'finally' });
    expect(server.hits.get('/flaky.txt')).toBe(3);
  });

  it('gives up after the retries, saying how many attempts were made', async () => {
    const few = new UrlDownloadStorage({ ...fast, maxRetries: 1 });
    await expect(few.prepareStorage(temp.path, download(server.url('/flaky.txt')))).rejects.toMatchObject({
      code: ErrorCode.NetworkFailure,
      message: expect.stringMatching(/HTTP 503.*\(2 attempts\)$/) as unknown,
    });
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('takes the size of a URL whose server refuses HEAD as unknown, and downloads it', async () => {
    for (const path of ['/get-only.csv', '/no-head.csv']) {
      expect(await storage.getVolumeSize(download(server.url(path)))).toBe(0);
      const volume = await storage.prepareStorage(temp.path, download(server.url(path)));
      expect(await volumeFiles(volume)).toEqual({ '': csv });
    }
    // a URL that is not there is still refused when sizing it
    await expect(storage.getVolumeSize(download(server.url('/missing.txt')))).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });

  it('does not retry a 404', async () => {
    await expect(
      storage.prepareStorage(temp.path, download(server.url('/missing.txt'))),
    ).rejects.toMatchObject({
      message: expect.stringContaining('/missing.txt answered HTTP 404 Not Found') as unknown,
    });
    expect(server.hits.get('/missing.txt')).toBe(1);
  });

  it('cuts off a body over the limit that had no length', async () => {
    await expect(
      storage.prepareStorage(temp.path, download(server.url('/big-chunked.bin'))),
    ).rejects.toMatchObject({
      code: ErrorCode.ResourceExhausted,
      message: expect.stringContaining(
        "is larger than this node's disk capacity for jobs, 1024 bytes",
      ) as unknown,
      hint: expect.stringContaining('Compute.AllocatedCapacity.Disk') as unknown,
    });
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('times out each attempt at an answer', async () => {
    const impatient = new UrlDownloadStorage({ ...fast, timeoutMs: 100, maxRetries: 1 });
    await expect(impatient.prepareStorage(temp.path, download(server.url('/silent')))).rejects.toMatchObject({
      code: ErrorCode.TimeOut,
      message: expect.stringContaining('did not finish within 0.1s (2 attempts)') as unknown,
    });
    expect(server.hits.get('/silent')).toBe(2);
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('does not start over a body still coming when time is up, as Go does not', async () => {
    // InputSources.ReadTimeout is the most one input may take: a file too large for it would be
    // downloaded again for as long, each retry, and fail all the same
    const impatient = new UrlDownloadStorage({ ...fast, timeoutMs: 100, maxRetries: 1 });
    await expect(
      impatient.prepareStorage(temp.path, download(server.url('/slow.bin'))),
    ).rejects.toMatchObject({
      code: ErrorCode.TimeOut,
      retryable: false,
      message: expect.stringMatching(/did not finish within 0\.1s$/) as unknown,
      // the host answered: only the time was short
      hint: 'Large files may need a longer InputSources.ReadTimeout on the compute node.',
    });
    expect(server.hits.get('/slow.bin')).toBe(1);
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('gives up on a size check the server does not answer sooner than on a download', async () => {
    const impatient = new UrlDownloadStorage({ ...fast, sizeCheckTimeoutMs: 100, maxRetries: 1 });
    const err = (await impatient
      .getVolumeSize(download(server.url('/silent')))
      .catch((e: unknown) => e)) as BacalhauError;
    expect(err).toMatchObject({ code: ErrorCode.TimeOut });
    expect(err.message).toContain(`${server.url('/silent')} did not finish within 0.1s`);
    // a HEAD carries no body: a longer read timeout is no help
    expect(err.hint).toBe('Check that the URL is right and that compute nodes can reach its host.');
    expect(server.hits.get('/silent')).toBe(2);
  });

  it.each([
    ['/loop', 'redirects too many times (a redirect loop?)'],
    ['/to-file', 'redirects to a URL that is not http:// or https://'],
  ])('stops following %s, once: no retry can mend a redirect', async (path, problem) => {
    const err = (await storage
      .prepareStorage(temp.path, download(server.url(path)))
      .catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: ErrorCode.BadRequest, retryable: false });
    expect(err.message).toBe(`Source.Params.URL: ${server.url(path)} ${problem}`);
    // one attempt: a loop is followed 20 times by fetch, never again
    expect(server.hits.get(path)).toBeLessThanOrEqual(21);
  });

  it('sends credentials in the URL as basic authentication, and keeps them out of messages', async () => {
    const url = (path: string) => server.url(path).replace('http://', 'http://user:secret@');
    const volume = await storage.prepareStorage(temp.path, download(url('/private.txt')));
    expect(await volumeFiles(volume)).toEqual({ '': 'user:secret' });
    const err: unknown = await storage
      .prepareStorage(temp.path, download(url('/missing.txt')))
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('http://user:***@127.0.0.1');
  });
});

describe('decodeUrl', () => {
  const url = (URL: string): InputSource => ({
    Source: { Type: 'urlDownload', Params: { URL } },
    Alias: '',
    Target: '/in',
  });

  it("refuses a malformed percent-escape where Go's url.Parse does (all but the query)", () => {
    for (const [text, escape] of [
      ['http://us%ZZer:pw@host/f.txt', '%ZZ'],
      ['http://host/a%zz.txt', '%zz'],
      ['http://host/f.txt#frag%', '%'],
    ]) {
      expect(() => decodeUrl(url(text!)), text).toThrow(`invalid URL escape "${escape!}"`);
    }
    expect(decodeUrl(url('http://host/f.txt?q=%zz')).search).toBe('?q=%zz');
    expect(decodeUrl(url('http://us%20er@host/my%20file.txt')).pathname).toBe('/my%20file.txt');
  });
});

describe('dispositionFileName', () => {
  it("reads a Content-Disposition filename as Go's mime.ParseMediaType does", () => {
    expect(dispositionFileName('attachment; filename="a.txt"')).toBe('a.txt');
    expect(dispositionFileName(`attachment; filename="a.txt"; filename*=UTF-8''r%C3%A9.txt`)).toBe('ré.txt');
    expect(dispositionFileName('attachment; filename="../../etc/x"')).toBe('x');
    // a parameter given twice makes the header unreadable to Go: the URL's own name is used
    expect(dispositionFileName('attachment; filename="x.txt"; filename="y.txt"')).toBeUndefined();
    expect(dispositionFileName('attachment; FILENAME="x.txt"; filename="y.txt"')).toBeUndefined();
    expect(dispositionFileName('attachment; filename="x.txt"; filename=x.txt')).toBe('x.txt');
  });

  it('keeps a quoted UTF-8 filename, which fetch hands over one character per byte, as Go keeps its bytes', () => {
    const asFetchGivesIt = (text: string) => Buffer.from(text).toString('latin1');
    expect(dispositionFileName(asFetchGivesIt('attachment; filename="résumé.txt"'))).toBe('résumé.txt');
    // bytes that are not UTF-8 (a Latin-1 name) are left as they come
    expect(dispositionFileName('attachment; filename="caf\u00e9.txt"')).toBe('café.txt');
  });

  it('takes a header Go cannot parse as giving no name, whatever part of it looks readable', () => {
    for (const header of [
      'attachment; filename=a b.txt', // a bare value ends at the space, and " b.txt" is no parameter
      'attachment; filename=résumé.pdf', // a bare value is ASCII token characters only
      'attachment; filename="unterminated.txt',
      '; filename="x.txt"', // no disposition type
      'attachment/x/y; filename="x.txt"',
    ]) {
      expect(dispositionFileName(header), header).toBeUndefined();
    }
    expect(dispositionFileName('attachment; filename="x.txt";')).toBe('x.txt'); // a trailing ";" is fine
  });

  it("decodes RFC 2231 values as Go: US-ASCII and UTF-8 only, continuations joined, MSIE's backslashes kept", () => {
    expect(dispositionFileName(`attachment; filename*=us-ascii''a%20b.txt`)).toBe('a b.txt');
    // a charset Go does not decode: the plain filename, if any
    expect(dispositionFileName(`attachment; filename*=iso-8859-1''%E9.txt; filename="e.txt"`)).toBe('e.txt');
    expect(dispositionFileName(`attachment; filename*=iso-8859-1''%E9.txt`)).toBeUndefined();
    expect(dispositionFileName(`attachment; filename*0="part"; filename*1=".txt"`)).toBe('part.txt');
    expect(dispositionFileName(`attachment; filename*0*=UTF-8''r%C3%A9; filename*1*=%20x.txt`)).toBe(
      'ré x.txt',
    );
    expect(dispositionFileName('attachment; filename="C:\\dev\\f.txt"')).toBe('C:\\dev\\f.txt');
    expect(dispositionFileName('attachment; filename="say \\"hi\\".txt"')).toBe('say "hi".txt');
  });
});
