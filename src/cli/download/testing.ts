/** Test helpers: a real HTTP server on 127.0.0.1 serving results, and result archives to serve. */
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative as relativePath } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ustarArchive } from '../../lib/tar-writer.js';

export interface ResultServer {
  /** The absolute URL of `path` (which may carry a query) on this server. */
  url(path: string): string;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, path: string) => void;

/** Serves every request with `handle`; `path` is the request's path without its query. */
export async function startResultServer(handle: Handler): Promise<ResultServer> {
  const server = createServer((req, res) => handle(req, res, new URL(req.url ?? '/', 'http://x').pathname));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path) => `${base}${path}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A tar.gz of `files` (relative path → content), as the local publisher makes of a results folder. */
export function resultArchive(files: Record<string, string | Buffer>): Buffer {
  return gzipSync(ustarArchive(Object.entries(files).map(([name, content]) => ({ name, content }))));
}

/** The files of an execution's results folder, as an executor writes them. */
export function executionFiles(label: string, outputs: Record<string, string> = {}): Record<string, string> {
  return { stdout: `${label} out\n`, stderr: `${label} err\n`, exitCode: '0', ...outputs };
}

/** Every file under `dir` (relative `/`-separated path → content); folders end in `/` and map to ''. */
export async function treeOf(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const relative = relativePath(dir, join(entry.parentPath, entry.name));
    if (entry.isDirectory()) tree[`${relative}/`] = '';
    else tree[relative] = await readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return Object.fromEntries(Object.entries(tree).sort(([a], [b]) => (a < b ? -1 : 1)));
}
