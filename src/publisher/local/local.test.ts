import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type SpecConfig } from '../../models/index.js';
import { runPublisherContract } from '../publisher.contract.js';
import { download, expectArchiveOf, respond, send, unpack } from '../testing/http.js';
import { jobPublishingWith, writeResults } from '../testing/results.js';
import type { PublishRequest } from '../types.js';
import { LocalPublisher } from './local.js';

interface Started {
  root: string;
  directory: string;
  publisher: LocalPublisher;
  close(): Promise<void>;
}

async function start(): Promise<Started> {
  const root = await mkdtemp(join(tmpdir(), 'publisher-local-'));
  const directory = join(root, 'compute', 'results', 'local-publisher');
  const publisher = await LocalPublisher.create({ directory, address: '127.0.0.1', port: 0 });
  return {
    root,
    directory,
    publisher,
    close: async () => {
      await publisher.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

const urlOf = (published: SpecConfig): string => String(published.Params?.['URL']);

runPublisherContract('local', async () => {
  const started = await start();
  return {
    type: 'local',
    publisher: started.publisher,
    spec: { Type: 'local', Params: {} },
    expectPublished: async (published, resultsDir) => {
      expect(published).toEqual({ Type: 'urlDownload', Params: { URL: expect.any(String) as unknown } });
      await expectArchiveOf(urlOf(published), resultsDir, started.root);
    },
    stored: () => readdir(started.directory),
    close: () => started.close(),
  };
});

/** Random data does not compress: its archive is larger than the socket buffers, and slow to make. */
const incompressible = randomBytes(24 * 1024 * 1024);

/** Starts a download and pauses it after its first chunk, so that the server is mid-response. */
async function startDownload(port: number, path: string): Promise<IncomingMessage> {
  const res = await respond(port, path);
  await new Promise((resolve) => res.once('data', resolve));
  res.pause();
  return res;
}

/** Open file descriptors of this process. */
const openFiles = async (): Promise<number> => (await readdir('/proc/self/fd')).length;

/** Waits until `check` holds: for effects that land after a callback (a socket closing on the far side). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await check()).toBe(true);
}

describe('LocalPublisher', () => {
  let s: Started;
  let results: string;
  beforeEach(async () => {
    s = await start();
    results = join(s.root, 'results');
    await mkdir(results);
  });
  afterEach(() => s.close());

  const publish = (executionID: string, options: { signal?: AbortSignal } = {}): Promise<SpecConfig> => {
    const req: PublishRequest = {
      executionID,
      jobID: 'j-1',
      job: jobPublishingWith({ Type: 'local', Params: {} }),
      resultsDir: results,
    };
    return s.publisher.publishResult(req, options);
  };

  it('returns the URL Go builds, and an archive laid out as Go writes it', async () => {
    await writeResults(results);
    const published = await publish('e-6e5c2a3b-1b0f-4bb1-9a76-2b8f3f0a7c11');
    expect(published).toEqual({
      Type: 'urlDownload',
      Params: { URL: `http://127.0.0.1:${s.publisher.port}/e-6e5c2a3b-1b0f-4bb1-9a76-2b8f3f0a7c11.tar.gz` },
    });
    const archive = join(s.root, 'a.tar.gz');
    await download(urlOf(published), archive);
    await unpack(archive, join(s.root, 'out'));
    const names = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n');
    expect(names.slice(0, 4)).toEqual(['.', 'exitCode', 'outputs', 'outputs/binary.bin']);
    expect(names).toContain('outputs/empty-dir');
    expect(names).toContain('stdout');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    await writeResults(results);
    await publish('e-head');
    const size = (await stat(join(s.directory, 'e-head.tar.gz'))).size;
    const head = await send(s.publisher.port, '/e-head.tar.gz', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/gzip');
    expect(head.headers['content-length']).toBe(String(size));
    expect(head.body.length).toBe(0);
    const get = await send(s.publisher.port, '/e-head.tar.gz?download=1');
    expect(get.body.length).toBe(size);
  });

  it('answers a Range of one part with 206 and that part, as Go does, so a download can resume', async () => {
    await writeResults(results);
    await publish('e-range');
    const port = s.publisher.port;
    const whole = await send(port, '/e-range.tar.gz');
    const size = whole.body.length;
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const lastModified = String(whole.headers['last-modified']);
    const part = await send(port, '/e-range.tar.gz', 'GET', { Range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${size}`);
    expect(part.headers['content-length']).toBe('10');
    expect(part.body).toEqual(whole.body.subarray(10, 20));
    // the rest from where a download stopped, while the archive is the one it began with
    const rest = await send(port, '/e-range.tar.gz', 'GET', { Range: 'bytes=20-', 'If-Range': lastModified });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([whole.body.subarray(0, 20), rest.body])).toEqual(whole.body);
    const tail = await send(port, '/e-range.tar.gz', 'GET', { Range: 'bytes=-5' });
    expect(tail.body).toEqual(whole.body.subarray(size - 5));
    const head = await send(port, '/e-range.tar.gz', 'HEAD', { Range: 'bytes=0-0' });
    expect([head.status, head.headers['content-range'], head.body.length]).toEqual([
      206,
      `bytes 0-0/${size}`,
      0,
    ]);
    // another archive since (If-Range no longer matches): the whole of it
    const changed = await send(port, '/e-range.tar.gz', 'GET', {
      Range: 'bytes=20-',
      'If-Range': 'Thu, 01 Jan 1970 00:00:00 GMT',
    });
    expect([changed.status, changed.body.length]).toEqual([200, size]);
    const past = await send(port, '/e-range.tar.gz', 'GET', { Range: `bytes=${size}-` });
    expect([past.status, past.headers['content-range'], past.body.toString()]).toEqual([
      416,
      `bytes */${size}`,
      'invalid range: failed to overlap\n',
    ]);
    const bad = await send(port, '/e-range.tar.gz', 'GET', { Range: 'bytes=9-2' });
    expect([bad.status, bad.body.toString()]).toEqual([416, 'invalid range\n']);
  });

  it('answers If-Modified-Since the archive was written with 304 and no body, as Go does', async () => {
    await writeResults(results);
    await publish('e-cached');
    const port = s.publisher.port;
    const lastModified = String((await send(port, '/e-cached.tar.gz', 'HEAD')).headers['last-modified']);
    const cached = await send(port, '/e-cached.tar.gz', 'GET', { 'If-Modified-Since': lastModified });
    expect([cached.status, cached.headers['last-modified'], cached.body.length]).toEqual([
      304,
      lastModified,
      0,
    ]);
    const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await send(port, '/e-cached.tar.gz', 'GET', { 'If-Modified-Since': older })).status).toBe(200);
    // If-None-Match takes precedence, and matches no ETag here
    const withEtag = { 'If-Modified-Since': lastModified, 'If-None-Match': '"x"' };
    expect((await send(port, '/e-cached.tar.gz', 'GET', withEtag)).status).toBe(200);
    expect((await send(port, '/e-cached.tar.gz', 'GET', { 'If-Modified-Since': 'not a date' })).status).toBe(
      200,
    );
  });

  it('serves archives by exact name only: no listing, traversal, partial files or links', async () => {
    await writeFile(join(s.root, 'secret.tar.gz'), 'secret');
    await writeFile(join(s.directory, '.e-x.tar.gz.1234.partial'), 'partial');
    await writeFile(join(s.directory, 'e-x.tar.gz.1234.partial'), 'partial');
    await symlink(join(s.root, 'secret.tar.gz'), join(s.directory, 'link.tar.gz'));
    await mkdir(join(s.directory, 'dir.tar.gz'));
    const paths = [
      '/',
      '/missing.tar.gz',
      '/../secret.tar.gz',
      '/..%2Fsecret.tar.gz',
      '/%2e%2e/secret.tar.gz',
      '/%2E%2E%2Fsecret.tar.gz',
      '//etc/passwd',
      '/..',
      '/.e-x.tar.gz.1234.partial',
      '/e-x.tar.gz.1234.partial',
      '/link.tar.gz',
      '/dir.tar.gz',
      `/${'a'.repeat(300)}.tar.gz`,
      'http://127.0.0.1/secret.tar.gz',
    ];
    for (const path of paths) expect((await send(s.publisher.port, path)).status, path).toBe(404);
    const post = await send(s.publisher.port, '/e-x.tar.gz', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });

  it('releases the file when a client goes away mid-download', async () => {
    await writeFile(join(results, 'noise'), incompressible);
    await publish('e-abort');
    const before = await openFiles();
    const res = await startDownload(s.publisher.port, '/e-abort.tar.gz');
    res.destroy();
    await eventually(async () => (await openFiles()) <= before);
  });

  it('stops: cuts downloads in progress, closes files, refuses to publish, idempotently', async () => {
    await writeFile(join(results, 'noise'), incompressible);
    await publish('e-stop');
    const before = await openFiles();
    const res = await startDownload(s.publisher.port, '/e-stop.tar.gz');
    const cut = new Promise((resolve) => res.once('close', resolve));
    await Promise.all([s.publisher.stop(), s.publisher.stop()]);
    res.resume();
    await cut;
    expect(res.complete).toBe(false);
    expect(s.publisher.state).toBe('stopped');
    expect(await s.publisher.isInstalled()).toBe(false);
    await expect(publish('e-after')).rejects.toMatchObject({ code: ErrorCode.ServiceUnavailable });
    await eventually(async () => (await openFiles()) < before);
  });

  it('stops publishing when the signal fires or the publisher stops, leaving nothing', async () => {
    await writeFile(join(results, 'noise'), incompressible);
    const controller = new AbortController();
    const cancelled = publish('e-cancel', { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(cancelled).rejects.toMatchObject({ code: ErrorCode.RequestCancelled });
    const stopped = publish('e-stopped');
    setTimeout(() => void s.publisher.stop(), 5);
    await expect(stopped).rejects.toMatchObject({ code: ErrorCode.ServiceUnavailable });
    expect(await readdir(s.directory)).toEqual([]);
  });

  it('fails with an IOError when the results cannot be read', async () => {
    await expect(
      s.publisher.publishResult({
        executionID: 'e-missing',
        jobID: 'j-1',
        job: jobPublishingWith({ Type: 'local' }),
        resultsDir: join(s.root, 'nowhere'),
      }),
    ).rejects.toMatchObject({ code: ErrorCode.IOError, retryable: true });
    expect(await readdir(s.directory)).toEqual([]);
  });

  it('archives a 200 MB file streamed, with bounded memory', async () => {
    const size = 200 * 1024 * 1024;
    const big = await open(join(results, 'big.bin'), 'w');
    await big.truncate(size);
    for (const offset of [0, 100 * 1024 * 1024, size - 1024 * 1024]) {
      await big.write(
        createHash('sha512').update(String(offset)).digest().toString('hex').repeat(8192),
        offset,
      );
    }
    await big.close();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const published = await publish('e-big').finally(() => clearInterval(sampler));
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    const archive = join(s.root, 'big.tar.gz');
    await download(urlOf(published), archive);
    await unpack(archive, join(s.root, 'out'));
    const hash = async (path: string): Promise<string> => {
      const h = createHash('sha256');
      for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
      return h.digest('hex');
    };
    expect(await hash(join(s.root, 'out', 'big.bin'))).toBe(await hash(join(results, 'big.bin')));
  });
});

describe('LocalPublisher.create', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'publisher-local-create-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('refuses a port in use, naming Publishers.Types.Local.Port', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      await expect(
        LocalPublisher.create({ directory: root, address: '127.0.0.1', port }),
      ).rejects.toMatchObject({
        code: ErrorCode.ResourceInUse,
        message: `Publishers.Types.Local.Port: port ${port} on 127.0.0.1 is already in use`,
        hint: expect.stringContaining('set Publishers.Types.Local.Port to a free port') as unknown,
        details: { Field: 'Publishers.Types.Local.Port' },
      });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it.each([
    ['', 6001, 'Publishers.Types.Local.Address'],
    [' ', 6001, 'Publishers.Types.Local.Address'],
    ['127.0.0.1', -1, 'Publishers.Types.Local.Port'],
    ['127.0.0.1', 65536, 'Publishers.Types.Local.Port'],
    ['127.0.0.1', 1.5, 'Publishers.Types.Local.Port'],
  ])('refuses address %j port %d, naming %s', async (address, port, field) => {
    await expect(LocalPublisher.create({ directory: root, address, port })).rejects.toMatchObject({
      code: ErrorCode.ConfigurationError,
      details: { Field: field },
    });
  });

  it('creates its directory owner-only, removes partial archives and keeps whole ones', async () => {
    const directory = join(root, 'local-publisher');
    await mkdir(directory);
    await writeFile(join(directory, 'e-old.tar.gz'), 'old');
    await writeFile(join(directory, '.e-crashed.tar.gz.5f1c.partial'), 'half');
    const publisher = await LocalPublisher.create({ directory, address: '127.0.0.1', port: 0 });
    try {
      expect(await readdir(directory)).toEqual(['e-old.tar.gz']);
      expect((await send(publisher.port, '/e-old.tar.gz')).body.toString()).toBe('old');
    } finally {
      await publisher.stop();
    }
    const fresh = await LocalPublisher.create({ directory: join(root, 'new'), address: 'local', port: 0 });
    await fresh.stop();
    expect((await stat(join(root, 'new'))).mode & 0o777).toBe(0o700);
  });
});
