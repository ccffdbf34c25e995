import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, type InputSource } from '../../models/index.js';
import { runStorageContract, volumeFiles } from '../storage.contract.js';
import { dataUrl, tarGz } from '../testing/tar.js';
import { useTempDir } from '../testing/temp-dir.js';
import { InlineStorage, SpareInlineFileName } from './inline.js';

const inline = (URL: unknown, Target = '/inputs/data'): InputSource => ({
  Source: { Type: 'inline', Params: { URL } },
  Alias: '',
  Target,
});

const archive = tarGz([
  { name: 'project/', type: '5' },
  { name: 'project/main.py', content: 'print("hi")\n' },
  { name: 'project/data/rows.csv', content: 'a,b\n1,2\n' },
]);

runStorageContract('inline', () =>
  Promise.resolve({
    type: 'inline',
    storage: new InlineStorage({ maxBytes: 64 * 1024, maxFileBytes: 1024 }),
    exclusive: true,
    good: [
      {
        name: 'base64 text',
        input: inline(dataUrl('hello\n')),
        files: { '': 'hello\n' },
        target: '/inputs/data',
        readOnly: false,
        size: 6,
        local: true,
      },
      {
        name: 'percent-encoded text',
        input: inline('data:,hello%20world'),
        files: { '': 'hello world' },
        target: '/inputs/data',
        readOnly: false,
        size: 11,
        local: true,
      },
      {
        name: 'gzipped tar',
        input: inline(dataUrl(archive, 'application/gzip'), '/inputs/project'),
        files: { 'project/main.py': 'print("hi")\n', 'project/data/rows.csv': 'a,b\n1,2\n' },
        target: '/inputs/project',
        readOnly: false,
        size: 20,
        local: true,
      },
    ],
    bad: [
      { name: 'no URL', input: inline(undefined), field: 'Source.Params.URL' },
      { name: 'URL not a string', input: inline(42), field: 'Source.Params.URL' },
      { name: 'not a data URL', input: inline('https://example.com/x'), field: 'Source.Params.URL' },
      { name: 'no comma', input: inline('data:text/plain;base64'), field: 'Source.Params.URL' },
      { name: 'bad base64', input: inline('data:;base64,a$b='), field: 'Source.Params.URL' },
      { name: 'bad escape', input: inline('data:,50%zz'), field: 'Source.Params.URL' },
      { name: 'not gzip', input: inline(dataUrl('plain', 'application/gzip')), field: 'Source.Params.URL' },
      {
        name: 'gzip but not tar',
        input: inline(dataUrl(gzipOf('just text, not an archive'), 'application/gzip')),
        field: 'Source.Params.URL',
      },
      {
        name: 'escaping archive',
        input: inline(dataUrl(tarGz([{ name: '../evil', content: 'x' }]), 'application/gzip')),
        field: 'Source.Params.URL',
      },
      {
        name: 'archive file over the per-file limit',
        input: inline(dataUrl(tarGz([{ name: 'big', content: 'x'.repeat(2048) }]), 'application/gzip')),
        field: 'Source.Params.URL',
        code: ErrorCode.ResourceExhausted,
      },
      {
        name: 'gzip bomb',
        input: inline(
          dataUrl(tarGz([{ name: 'zeros', content: Buffer.alloc(1024 * 1024) }]), 'application/gzip'),
        ),
        field: 'Source.Params.URL',
        code: ErrorCode.ResourceExhausted,
      },
      {
        name: 'plain data over the limit',
        input: inline(dataUrl('x'.repeat(65 * 1024))),
        field: 'Source.Params.URL',
        code: ErrorCode.ResourceExhausted,
      },
    ],
    close: () => Promise.resolve(),
  }),
);

describe('inline plain data', () => {
  const storage = new InlineStorage();
  const temp = useTempDir('storage-inline-file-');

  it('is one file of its own in the directory, which cleanup removes and nothing else', async () => {
    const first = await storage.prepareStorage(temp.path, inline('data:,one'));
    const second = await storage.prepareStorage(temp.path, inline('data:,two'));
    expect(join(first.source, '..')).toBe(temp.path);
    expect([await readFile(first.source, 'utf8'), await readFile(second.source, 'utf8')]).toEqual([
      'one',
      'two',
    ]);
    await storage.cleanupStorage(inline('data:,one'), first);
    expect(await readdir(temp.path)).toEqual([second.source.slice(temp.path.length + 1)]);
  });

  it('is written into the empty file made ahead in the directory when there is one', async () => {
    await writeFile(join(temp.path, SpareInlineFileName), '');
    const made = (await stat(join(temp.path, SpareInlineFileName))).ino;
    const first = await storage.prepareStorage(temp.path, inline('data:,one'));
    const second = await storage.prepareStorage(temp.path, inline('data:,two'));
    expect((await stat(first.source)).ino).toBe(made);
    expect((await stat(second.source)).ino).not.toBe(made);
    expect([await readFile(first.source, 'utf8'), await readFile(second.source, 'utf8')]).toEqual([
      'one',
      'two',
    ]);
    expect(await readdir(temp.path)).not.toContain(SpareInlineFileName);
    await storage.cleanupStorage(inline('data:,one'), first);
    expect(await readdir(temp.path)).toEqual([second.source.slice(temp.path.length + 1)]);
  });

  it('leaves nothing behind when it cannot be written', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      storage.prepareStorage(temp.path, inline('data:,x'), { signal: controller.signal }),
    ).rejects.toThrow();
    await expect(storage.prepareStorage(join(temp.path, 'missing'), inline('data:,x'))).rejects.toMatchObject(
      {
        message: expect.stringContaining('cannot write an inline input') as unknown,
      },
    );
    expect(await readdir(temp.path)).toEqual([]);
  });
});

describe('inline archives', () => {
  const storage = new InlineStorage();
  const temp = useTempDir('storage-inline-test-');

  const prepare = (entries: Parameters<typeof tarGz>[0]) =>
    storage.prepareStorage(temp.path, inline(dataUrl(tarGz(entries), 'application/gzip')));

  it('skips links, so nothing in an archive points outside it', async () => {
    const volume = await prepare([
      { name: 'passwd', type: '2', linkName: '/etc/passwd' },
      { name: 'hard', type: '1', linkName: '../../etc/shadow' },
      { name: 'kept.txt', content: 'ok' },
    ]);
    expect(await readdir(volume.source)).toEqual(['kept.txt']);
  });

  it.each(['/etc/cron.d/x', 'a/../../x', '..'])('refuses the entry name %s', async (name) => {
    await expect(prepare([{ name, content: 'x' }])).rejects.toMatchObject({
      code: ErrorCode.ValidationError,
      message: expect.stringContaining('archive') as unknown,
    });
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('reads GNU and pax long names', async () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(80)}.txt`;
    const volume = await prepare([
      { name: '././@LongLink', type: 'L', content: `${long}\0` },
      { name: 'truncated', content: 'gnu' },
      { name: 'PaxHeader', type: 'x', content: paxRecord('path', `pax/${long}`) },
      { name: 'truncated', content: 'pax' },
    ]);
    expect(await volumeFiles(volume)).toEqual({ [long]: 'gnu', [`pax/${long}`]: 'pax' });
  });

  it('unpacks names that are not UTF-8 as their bytes, into a folder named so too', async () => {
    // two names that differ only in bytes that are not UTF-8: as text, both read as "x\uFFFD"
    const [folder, first, second] = [
      [0x64, 0xe9],
      [0x78, 0xff],
      [0x78, 0xfe],
    ].map((b) => Buffer.from(b));
    const volume = await prepare([
      { name: Buffer.concat([folder!, Buffer.from('/'), first!]), content: 'first' },
      { name: Buffer.concat([folder!, Buffer.from('/'), second!]), content: 'second' },
    ]);
    expect(await readdir(volume.source, { encoding: 'buffer' })).toEqual([folder]);
    const inFolder = Buffer.concat([Buffer.from(`${volume.source}/`), folder!]);
    expect((await readdir(inFolder, { encoding: 'buffer' })).sort((a, b) => Buffer.compare(a, b))).toEqual([
      second,
      first,
    ]);
    const content = (name: Buffer) => readFile(Buffer.concat([inFolder, Buffer.from('/'), name]), 'utf8');
    expect([await content(first!), await content(second!)]).toEqual(['first', 'second']);
  });

  it('unpacks an archive into a folder any user may read, as Go does (0755)', async () => {
    const volume = await prepare([{ name: 'a.txt', content: 'a\n' }]);
    expect((await stat(volume.source)).mode & 0o777).toBe(0o755);
  });

  it('keeps permission bits but not set-id bits', async () => {
    const volume = await prepare([{ name: 'run.sh', content: '#!/bin/sh\n', mode: 0o4755 }]);
    expect((await stat(join(volume.source, 'run.sh'))).mode & 0o7777).toBe(0o755);
  });

  it('cleanup removes only entries it created', async () => {
    const volume = { source: temp.path, target: '/x', readOnly: true };
    await storage.cleanupStorage(inline('data:,x'), volume);
    expect((await stat(temp.path)).isDirectory()).toBe(true);
  });
});

function gzipOf(text: string): Buffer {
  return gzipSync(Buffer.from(text));
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length++;
  return `${length}${body}`;
}

describe('inline input messages', () => {
  const storage = new InlineStorage({ maxBytes: 64 * 1024, maxFileBytes: 1024 });
  const temp = useTempDir('storage-inline-messages-');
  const message = async (URL: string): Promise<string> => {
    try {
      await storage.prepareStorage(temp.path, inline(URL));
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('prepared');
  };

  it('say what is wrong in plain words', async () => {
    expect(await message('data:;base64,a$b=')).toBe(
      'Source.Params.URL: not a valid data URL: it has data that is not valid base64',
    );
    expect(await message(dataUrl(gzipOf('just text, not an archive'), 'application/gzip'))).toBe(
      'Source.Params.URL: the archive cannot be unpacked: it is not a tar archive (too short for one)',
    );
    expect(await message(dataUrl(gzipOf('x'.repeat(600)), 'application/gzip'))).toBe(
      'Source.Params.URL: the archive cannot be unpacked: it is not a tar archive (bad number field)',
    );
    expect(
      await message(
        dataUrl(tarGz([{ name: 'zeros', content: Buffer.alloc(1024 * 1024) }]), 'application/gzip'),
      ),
    ).toBe("Source.Params.URL: the content unpacks to more than this node's limit of 65536 bytes");
    expect(await message(dataUrl('x'.repeat(65 * 1024)))).toBe(
      "Source.Params.URL: the content is 66560 bytes, over this node's limit of 65536 bytes",
    );
  });
});
