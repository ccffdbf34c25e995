/**
 * The local publisher's HTTP server (Go's `LocalPublisherServer`): `GET` or `HEAD /<executionID>.tar.gz`
 * answers with the archive, streamed from disk; anything else is 404 (405 for other methods). Unlike
 * Go's `http.FileServer` it lists nothing and serves only complete archives (never partial files) by
 * their exact name, so no path (`..`, encoded slashes) reaches anything else. A `Range` of one part is
 * answered 206 as Go answers it, so an interrupted download can resume (byte-range.ts); `If-Range`,
 * `If-Modified-Since` and `If-None-Match` are honoured as Go honours them (conditional.ts).
 */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InFlight } from '../../lib/in-flight.js';
import { ErrorCode, errorMessage } from '../../models/index.js';
import { fieldError } from '../errors.js';
import { ArchiveName } from './archive.js';
import { byteRange } from './byte-range.js';
import { notModified, rangeApplies } from './conditional.js';

export const AddressKey = 'Publishers.Types.Local.Address';
export const PortKey = 'Publishers.Types.Local.Port';

/** Go's read timeouts: a client has 3 s to send its request. */
const RequestTimeoutMs = 3000;

export interface ResultServerOptions {
  /** The folder the archives are in. */
  directory: string;
  /** Interface to listen on; `undefined` for all of them. */
  host: string | undefined;
  /** 0 picks a free port. */
  port: number;
}

export class ResultServer {
  /** Responses being streamed; `stop` waits for them to release their files. */
  readonly #streaming = new InFlight();

  private constructor(
    private readonly server: Server,
    private readonly directory: string,
  ) {}

  /**
   * Listens and serves until `stop`.
   * @throws BacalhauError ResourceInUse (field `Publishers.Types.Local.Port`) when the port is taken,
   *   ConfigurationError naming the port or the address when listening is refused otherwise.
   */
  static async start(options: ResultServerOptions): Promise<ResultServer> {
    const server = createServer({ requestTimeout: RequestTimeoutMs, headersTimeout: RequestTimeoutMs });
    const served = new ResultServer(server, options.directory);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => served.#answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenError(err, options)));
      server.listen(options.port, options.host, () => resolve());
    });
    // once listening, errors are failed accepts (too many open files): the server keeps listening
    server.on('error', () => undefined);
    return served;
  }

  /** The port listened on (the one picked when asked for 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening, cuts the downloads in progress and waits until their files are closed. Idempotent. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.all([closed, this.#streaming.settled()]);
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
      return;
    }
    const name = (req.url ?? '').split('?')[0]?.slice(1) ?? '';
    if (!(req.url ?? '').startsWith('/') || !ArchiveName.test(name)) {
      reply(res, 404, '404 page not found');
      return;
    }
    // an unexpected failure (closing a file) ends this response, never the process
    const streaming = this.#send(join(this.directory, name), req, res).catch(() => {
      res.destroy();
    });
    this.#streaming.add(streaming);
  }

  /** A client that goes away, or `stop`, ends the response; the file is closed either way. */
  async #send(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let file: { handle: FileHandle; stats: Stats };
    try {
      file = await openArchive(path);
    } catch {
      reply(res, 404, '404 page not found');
      return;
    }
    const { size } = file.stats;
    const lastModified = file.stats.mtime.toUTCString();
    if (notModified(req.headers, file.stats.mtimeMs)) {
      await file.handle.close();
      res.writeHead(304, { 'Last-Modified': lastModified });
      res.end();
      return;
    }
    const range = rangeApplies(req.headers, file.stats.mtimeMs)
      ? byteRange(req.headers.range, size)
      : ({ kind: 'whole' } as const);
    if (range.kind === 'unsatisfiable') {
      await file.handle.close();
      reply(res, 416, range.message, range.noOverlap ? { 'Content-Range': `bytes */${size}` } : {});
      return;
    }
    const headers = {
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/gzip',
      'Last-Modified': lastModified,
    };
    if (range.kind === 'part') {
      res.writeHead(206, {
        ...headers,
        'Content-Length': range.end - range.start + 1,
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
      });
    } else res.writeHead(200, { ...headers, 'Content-Length': size });
    if (req.method === 'HEAD') {
      await file.handle.close();
      res.end();
      return;
    }
    // the read stream owns the handle from here and closes it however the pipeline ends
    const stream = file.handle.createReadStream(
      range.kind === 'part' ? { start: range.start, end: range.end } : {},
    );
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    await pipeline(stream, res).catch(() => undefined);
    await closed;
  }
}

/** Opens a regular file without following links. */
async function openArchive(path: string): Promise<{ handle: FileHandle; stats: Stats }> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (stats.isFile()) return { handle, stats };
  } catch {
    // not served, like a missing file
  }
  await handle.close();
  throw new Error(`${path} is not a regular file`);
}

function reply(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function listenError(err: Error, options: ResultServerOptions): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `port ${options.port} on ${options.host ?? 'all interfaces'}`;
  if (code === 'EADDRINUSE') {
    return fieldError(PortKey, `${where} is already in use`, {
      code: ErrorCode.ResourceInUse,
      hint: `Stop what listens on port ${options.port}, or set ${PortKey} to a free port (0 picks one).`,
      cause: err,
    });
  }
  if (code === 'EACCES') {
    return fieldError(PortKey, `not allowed to listen on ${where}`, {
      code: ErrorCode.ConfigurationError,
      hint: `Set ${PortKey} to a port above 1023, or run with the privilege to bind low ports.`,
      cause: err,
    });
  }
  return fieldError(AddressKey, `cannot listen on ${where}: ${errorMessage(err)}`, {
    code: ErrorCode.ConfigurationError,
    hint: `Set ${AddressKey} to an address of this host.`,
    cause: err,
  });
}
