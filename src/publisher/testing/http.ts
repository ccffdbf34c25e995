/** Test helpers: raw HTTP requests to the local publisher's server, downloads and unpacking with tar(1). */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { snapshot } from './results.js';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends `method` for `path` exactly as written (no normalisation of `..` or escapes) to 127.0.0.1. */
export async function send(
  port: number,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await respond(port, path, method, headers);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
}

/** The response to a request, its body not read yet. */
export function respond(
  port: number,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Downloads `url` (which must be on 127.0.0.1) to `file`, streamed. */
export async function download(url: string, file: string): Promise<void> {
  const { hostname, port, pathname } = new URL(url);
  if (hostname !== '127.0.0.1') throw new Error(`tests download only from 127.0.0.1, not ${hostname}`);
  const res = await respond(Number(port), pathname);
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode}`);
  await pipeline(res, createWriteStream(file));
}

/** Unpacks a tar.gz with the system's tar into `dir`, created if missing. */
export async function unpack(archive: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await promisify(execFile)('tar', ['-xzf', archive, '-C', dir]);
}

/** Downloads the archive at `url` and checks that it unpacks to exactly the contents of `resultsDir`. */
export async function expectArchiveOf(url: string, resultsDir: string, scratch: string): Promise<void> {
  const archive = join(scratch, `${randomUUID()}.tar.gz`);
  const unpacked = join(scratch, randomUUID());
  await download(url, archive);
  await unpack(archive, unpacked);
  expect(await snapshot(unpacked)).toEqual(await snapshot(resultsDir));
  await rm(archive);
  await rm(unpacked, { recursive: true });
}
