/**
 * A local file as an `inline` input source, as Bacalhau's `InlineStorage.Upload` makes it: up to 512
 * bytes, the bytes themselves in a base64 `data:` URL typed by content sniffing; larger, a gzipped tar
 * holding the file under its base name (`data:application/gzip;base64,…`), which the compute node
 * unpacks into a directory.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ustarArchive } from '../../../lib/tar-writer.js';
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

/** The `inline` source of the regular file at `path`. */
export async function inlineSource(path: string): Promise<{ Type: string; Params: { URL: string } }> {
  const [info, data] = await Promise.all([stat(path), readFile(path)]);
  const url =
    data.length > MaxPlaintextBytes
      ? `data:application/gzip;base64,${gzipSync(ustarArchive([{ name: basename(path), content: data, mode: info.mode, mtime: info.mtime }])).toString('base64')}`
      : `data:${sniff(data)};base64,${data.toString('base64')}`;
  return { Type: StorageSource.Inline, Params: { URL: url } };
}
