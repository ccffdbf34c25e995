import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTar, readTarStream, TarError, type TarEntryHeader } from './tar-reader.js';
import { ustarArchive, type UstarEntry } from './tar-writer.js';

const big = Buffer.alloc(70_000, 'b');

const sample: UstarEntry[] = [
  { name: './', type: '5' },
  { name: 'dir/', type: '5', mode: 0o700 },
  { name: 'dir/small.txt', content: 'hello\n', mode: 0o640 },
  { name: 'big.bin', content: big.toString('latin1') },
  { name: 'link', type: '2', linkName: '/etc/passwd' },
  { name: 'hard', type: '1', linkName: 'dir/small.txt' },
  { name: 'empty' },
  { name: '././L', type: 'L', content: `deep/${'n'.repeat(150)}\0` },
  { name: 'ignored-by-long-name', content: 'long' },
  { name: 'pax', type: 'x', content: paxRecord('path', 'pax/named.txt') },
  { name: 'ignored-by-pax', content: 'pax' },
];

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length++;
  return `${length}${body}`;
}

/** An entry's header; `pathBytes` are the UTF-8 of `path`. */
function header(path: string, kind: TarEntryHeader['kind'], mode: number, size: number): TarEntryHeader {
  return { pathBytes: Buffer.from(path), path, kind, mode, size };
}

/** Contents as latin1 text: comparing large Buffers element by element is slow. */
const expected: { header: TarEntryHeader; content: string }[] = [
  { header: header('dir', 'directory', 0o700, 0), content: '' },
  { header: header('dir/small.txt', 'file', 0o640, 6), content: 'hello\n' },
  { header: header('big.bin', 'file', 0o644, big.length), content: big.toString('latin1') },
  { header: header('empty', 'file', 0o644, 0), content: '' },
  { header: header(`deep/${'n'.repeat(150)}`, 'file', 0o644, 4), content: 'long' },
  { header: header('pax/named.txt', 'file', 0o644, 3), content: 'pax' },
];

/** `bytes` in chunks of `size`, as a network or a decompressor would hand them over. */
async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, i + size);
  }
}

async function readStreamed(source: AsyncIterable<Uint8Array>): Promise<typeof expected> {
  const out: typeof expected = [];
  for await (const { data, ...header } of readTarStream(source)) {
    const parts: Buffer[] = [];
    for await (const part of data) parts.push(part);
    out.push({ header, content: Buffer.concat(parts).toString('latin1') });
  }
  return out;
}

const hostile: [string, UstarEntry[], RegExp][] = [
  ['a parent segment', [{ name: 'a/../../evil', content: 'x' }], /points outside the archive/],
  ['an absolute path', [{ name: '/etc/evil', content: 'x' }], /is not a relative path/],
  [
    'a long name escaping',
    [
      { name: '././L', type: 'L', content: '../evil\0' },
      { name: 'fine', content: 'x' },
    ],
    /points outside the archive/,
  ],
];

describe('readTar (in memory)', () => {
  it('keeps files and directories with safe names, skips links and the root', () => {
    const entries = [...readTar(ustarArchive(sample))];
    expect(entries.map(({ data, ...header }) => ({ header, content: data.toString('latin1') }))).toEqual(
      expected,
    );
  });

  it('keeps names that are not UTF-8 as their bytes: ustar names, GNU long names, pax paths', () => {
    const withFF = (text: string): Buffer => Buffer.concat([Buffer.from(text), Buffer.from([0xff])]);
    const long = withFF(`deep/${'n'.repeat(150)}`);
    const entries = readTar(
      ustarArchive([
        { name: withFF('ustar-'), content: 'u' },
        { name: '././L', type: 'L', content: Buffer.concat([long, Buffer.from([0])]) },
        { name: 'ignored-by-long-name', content: 'l' },
        // Go's writer puts the raw bytes into the record; its length counts bytes
        {
          name: 'pax',
          type: 'x',
          content: Buffer.concat([Buffer.from('15 path='), withFF('pax/x'), Buffer.from('\n')]),
        },
        { name: 'ignored-by-pax', content: 'p' },
      ]),
    );
    expect([...entries].map((e) => [e.pathBytes, e.path, e.data.toString()])).toEqual([
      [withFF('ustar-'), 'ustar-\ufffd', 'u'],
      [long, `deep/${'n'.repeat(150)}\ufffd`, 'l'],
      [withFF('pax/x'), 'pax/x\ufffd', 'p'],
    ]);
  });

  it('keeps a backslash in a name as the character it is on this system', () => {
    const entries = [...readTar(ustarArchive([{ name: 'out/back\\slash', content: 'b' }]))];
    expect(entries.map((e) => [e.path, e.data.toString()])).toEqual([['out/back\\slash', 'b']]);
  });

  it.each(hostile)('refuses %s', (_name, entries, message) => {
    expect(() => [...readTar(ustarArchive(entries))]).toThrow(message);
  });

  describe('an entry of 8 GiB or more, whose size the header cannot hold in octal', () => {
    /** `f` with 5 bytes of data whose header says `headerSize`, after what `before` holds, then `later`. */
    function withData(before: UstarEntry[], setSize: (header: Buffer) => void): Buffer {
      const archive = ustarArchive([...before, { name: 'f' }, { name: 'later', content: 'later' }]);
      const at = before.reduce(
        (blocks, e) => blocks + 1 + Math.ceil(Buffer.from(e.content ?? '').length / 512),
        0,
      );
      const header = Buffer.from(archive.subarray(at * 512, (at + 1) * 512));
      setSize(header);
      header.fill(' ', 148, 156);
      const sum = header.reduce((total, byte) => total + byte, 0);
      header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      const data = Buffer.alloc(512);
      data.write('hello');
      return Buffer.concat([archive.subarray(0, at * 512), header, data, archive.subarray((at + 1) * 512)]);
    }
    const read = (archive: Buffer) => [...readTar(archive)].map((e) => [e.path, e.size, e.data.toString()]);
    const entries = [
      ['f', 5, 'hello'],
      ['later', 5, 'later'],
    ];

    it("takes its size from a pax 'size' record, with 0 in the header", async () => {
      const archive = withData(
        [{ name: 'pax', type: 'x', content: paxRecord('size', '5') }],
        () => undefined,
      );
      expect(read(archive)).toEqual(entries);
      const streamed = await readStreamed(chunked(archive, 100));
      expect(streamed.map((e) => [e.header.path, e.header.size, e.content])).toEqual(entries);
    });

    it('reads a base-256 size (GNU)', () => {
      const archive = withData([], (header) => {
        header.fill(0, 124, 136);
        header[124] = 0x80;
        header[135] = 5;
      });
      expect(read(archive)).toEqual(entries);
    });
  });

  it("does not take a GNU header's access and change times for a ustar name prefix", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-reader-'));
    try {
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd', 'f.txt'), 'hi\n');
      // an incremental archive is the one kind for which GNU tar fills those fields in
      const archive = execFileSync('tar', ['--format=gnu', '--listed-incremental=snar', '-cf', '-', 'd'], {
        cwd: dir,
      });
      // (its folder is a GNU 'dumpdir' entry, skipped as other kinds are)
      expect([...readTar(archive)].map((e) => e.path)).toEqual(['d/f.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses truncated and non-tar data', () => {
    const archive = ustarArchive([{ name: 'a', content: 'x'.repeat(2000) }]);
    expect(() => [...readTar(archive.subarray(0, 1024))]).toThrow(new TarError('the archive is truncated'));
    expect(() => [...readTar(Buffer.alloc(1024, 'z'))]).toThrow(/not a tar archive/);
  });
});

describe('readTarStream', () => {
  it.each([1, 7, 512, 4096, 1 << 20])('reads the same entries from chunks of %i bytes', async (size) => {
    expect(await readStreamed(chunked(ustarArchive(sample), size))).toEqual(expected);
  });

  it('reads what tar(1) writes: ./ prefixes, GNU long names, links skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-reader-'));
    try {
      const long = `${'l'.repeat(120)}.txt`;
      mkdirSync(join(dir, 'in/outputs'), { recursive: true });
      writeFileSync(join(dir, 'in/stdout'), 'hi\n');
      writeFileSync(join(dir, 'in/outputs', long), 'long');
      symlinkSync('/etc/passwd', join(dir, 'in/link'));
      const gz = execFileSync('tar', ['-czf', '-', '-C', join(dir, 'in'), '.']);
      const entries = await readStreamed(Readable.from([gz]).pipe(createGunzip()));
      expect(entries.map((e) => [e.header.path, e.content]).sort()).toEqual([
        ['outputs', ''],
        [`outputs/${long}`, 'long'],
        ['stdout', 'hi\n'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips the data of entries the consumer does not read', async () => {
    const paths: string[] = [];
    for await (const entry of readTarStream(chunked(ustarArchive(sample), 1000))) paths.push(entry.path);
    expect(paths).toEqual(expected.map((e) => e.header.path));
  });

  it('reads through gunzip, checking the gzip trailer after the archive ends', async () => {
    const gz = gzipSync(ustarArchive(sample));
    expect(await readStreamed(Readable.from([gz]).pipe(createGunzip()))).toEqual(expected);
    const damaged = Buffer.from(gz);
    damaged.writeUInt32LE(damaged.readUInt32LE(damaged.length - 8) ^ 1, damaged.length - 8); // the CRC
    await expect(readStreamed(Readable.from([damaged]).pipe(createGunzip()))).rejects.toThrow(
      /incorrect data check/,
    );
  });

  it.each(hostile)('refuses %s', async (_name, entries, message) => {
    await expect(readStreamed(chunked(ustarArchive(entries), 100))).rejects.toThrow(message);
  });

  it('refuses an archive cut inside an entry, a header or its data', async () => {
    const archive = ustarArchive([{ name: 'a', content: 'x'.repeat(2000) }]);
    for (const cut of [100, 700, 1500]) {
      await expect(readStreamed(chunked(archive.subarray(0, cut), 64))).rejects.toThrow(
        new TarError('the archive is truncated'),
      );
    }
  });

  it('refuses a long-name record larger than any path', async () => {
    const archive = ustarArchive([{ name: '././L', type: 'L', content: Buffer.alloc(2 << 20, 'a') }]);
    await expect(readStreamed(chunked(archive, 65536))).rejects.toThrow(/too large/);
  });

  it('stops the source when the consumer stops early', async () => {
    let returned = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        yield* chunked(ustarArchive(sample), 512);
      } finally {
        returned = true;
      }
    }
    for await (const entry of readTarStream(source())) if (entry.path === 'dir') break;
    expect(returned).toBe(true);
  });
});
