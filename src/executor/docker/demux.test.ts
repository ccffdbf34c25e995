import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demultiplex } from './demux.js';

function frame(stream: number, text: string): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([header, Buffer.from(text)]);
}

async function collect(chunks: Buffer[]): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const piece of demultiplex(Readable.from(chunks)))
    out.push([piece.type, Buffer.from(piece.data).toString()]);
  return out;
}

describe('demultiplex', () => {
  const wire = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, 'out two\n')]);

  it('splits frames into stdout and stderr pieces, in order', async () => {
    expect(await collect([wire])).toEqual([
      [1, 'out one\n'],
      [2, 'err\n'],
      [1, 'out two\n'],
    ]);
  });

  it('reassembles headers and payloads cut anywhere by the transport', async () => {
    const bytes = [...wire].map((b) => Buffer.from([b]));
    const pieces = await collect(bytes);
    const merged = pieces.reduce<[number, string][]>((acc, [type, text]) => {
      const last = acc.at(-1);
      if (last?.[0] === type) last[1] += text;
      else acc.push([type, text]);
      return acc;
    }, []);
    expect(merged).toEqual([
      [1, 'out one\n'],
      [2, 'err\n'],
      [1, 'out two\n'],
    ]);
  });

  it('passes a large payload on as it arrives instead of gathering it', async () => {
    const big = frame(1, 'x'.repeat(100));
    const pieces = await collect([big.subarray(0, 50), big.subarray(50)]);
    expect(pieces.map(([, text]) => text.length)).toEqual([42, 58]);
  });
});
