/**
 * A local file as an `inline` input source, as Bacalhau's `InlineStorage.Upload` makes it: up to 512
 * bytes, the bytes themselves in a base64 `data:` URL typed by content sniffing; larger, a gzipped tar
 * holding the file under its base name (`data:application/gzip;base64,…`), which the compute node
 * unpacks into a directory.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import { StorageSource } from '../../../models/constants.js';

const MaxPlaintextBytes = 512;

/**
 * The media type Go's `http.DetectContentType` gives the files a WASM job uploads: WebAssembly by its
 * magic number, text when no byte is binary, else octet-stream. (Go knows more signatures — images,
 * archives, HTML — none of which a WASM module or its small data files start with.)
 */
function sniff(data: Buffer): string {
  if (data.subarray(0, 4).equals(Buffer.from([0x00, 0x61, 0x73, 0x6d]))) return 'application/wasm';
  // eslint-disable-next-line no-control-regex -- Go's list of bytes that make data binary
  const binary = /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/;
  return binary.test(data.subarray(0, 512).toString('latin1'))
    ? 'application/octet-stream'
    : 'text/plain;charset=utf-8';
}

/** A one-file ustar archive (header, data padded to 512-byte blocks, two zero blocks). */
function tarOfOneFile(name: string, data: Buffer, mode: number, mtime: Date): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: number): void => {
    header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, 'latin1');
  };
  header.write(name, 0, 100, 'utf8');
  field(100, 8, mode & 0o7777);
  field(108, 8, 0);
  field(116, 8, 0);
  field(124, 12, data.length);
  field(136, 12, Math.floor(mtime.getTime() / 1000));
  header.write('0', 156, 'latin1');
  header.write('ustar\x0000', 257, 'latin1');
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}

/** The `inline` source of the regular file at `path`. */
export async function inlineSource(path: string): Promise<{ Type: string; Params: { URL: string } }> {
  const [info, data] = await Promise.all([stat(path), readFile(path)]);
  const url =
    data.length > MaxPlaintextBytes
      ? `data:application/gzip;base64,${gzipSync(tarOfOneFile(basename(path), data, info.mode, info.mtime)).toString('base64')}`
      : `data:${sniff(data)};base64,${data.toString('base64')}`;
  return { Type: StorageSource.Inline, Params: { URL: url } };
}
