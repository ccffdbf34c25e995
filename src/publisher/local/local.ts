/**
 * The `local` publisher (Go's `pkg/publisher/local`): the results become `<executionID>.tar.gz` in the
 * publisher's directory (Go: `<DataDir>/compute/results/local-publisher`), served over HTTP by this
 * node; the published result is `{ Type: "urlDownload", Params: { URL: "http://<address>:<port>/<file>" } }`,
 * which `job get` downloads and unpacks.
 *
 * Archives are kept until someone removes them, as in Go: the directory grows by one compressed copy
 * of every execution's results. The job spec has no parameters for this publisher.
 */
import { stat } from 'node:fs/promises';
import {
  BacalhauError,
  ErrorCode,
  Publisher as PublisherTypes,
  StorageSource,
  type Job,
  type SpecConfig,
} from '../../models/index.js';
import { abortedError, fieldError, ioError, PublisherComponent, throwIfAborted } from '../errors.js';
import { publisherSpec } from '../spec.js';
import type { IoOptions, Publisher, PublishRequest } from '../types.js';
import { advertisedHost, downloadURL, listenHost } from './address.js';
import { archiveName, removePartials, writeArchive } from './archive.js';
import { AddressKey, PortKey, ResultServer } from './server.js';
import { makeFolder } from '../../lib/quick-fs.js';
import { anySignal } from '../../lib/any-signal.js';
import { InFlight } from '../../lib/in-flight.js';

export interface LocalPublisherOptions {
  /** Where archives are kept and served from; created (owner-only) when missing. */
  directory: string;
  /** `Publishers.Types.Local.Address`: the host in download URLs (see address.ts). */
  address: string;
  /** `Publishers.Types.Local.Port`; 0 picks a free port (Go requires a positive one). */
  port: number;
}

export type LocalPublisherState = 'running' | 'stopping' | 'stopped';

export class LocalPublisher implements Publisher {
  #state: LocalPublisherState = 'running';
  #stopped: Promise<void> | undefined;
  /** Aborts the publishes in progress when the publisher stops. */
  readonly #stopping = new AbortController();
  readonly #publishing = new InFlight();

  private constructor(
    private readonly directory: string,
    private readonly host: string,
    private readonly server: ResultServer,
  ) {}

  /**
   * Prepares the directory (removing partial archives a crash left) and starts serving it.
   * @throws BacalhauError ConfigurationError naming `Publishers.Types.Local.Address` or `.Port` for
   *   values that cannot work; ResourceInUse naming the port when it is taken; IOError when the
   *   directory cannot be created.
   */
  static async create(options: LocalPublisherOptions): Promise<LocalPublisher> {
    if (options.address.trim() === '') {
      throw fieldError(AddressKey, 'must not be empty', {
        code: ErrorCode.ConfigurationError,
        hint: `Set ${AddressKey} to the address clients reach this node at (default 127.0.0.1).`,
      });
    }
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw fieldError(PortKey, `${options.port} is not a port`, {
        code: ErrorCode.ConfigurationError,
        hint: `Set ${PortKey} to a port from 1 to 65535 (default 6001), or 0 to pick a free one.`,
      });
    }
    try {
      await makeFolder(options.directory, 0o700);
      await removePartials(options.directory);
    } catch (err) {
      throw ioError(`preparing the local publisher directory ${options.directory}`, err);
    }
    const host = advertisedHost(options.address);
    const server = await ResultServer.start({
      directory: options.directory,
      host: listenHost(host),
      port: options.port,
    });
    return new LocalPublisher(options.directory, host, server);
  }

  get state(): LocalPublisherState {
    return this.#state;
  }

  /** The port archives are served on. */
  get port(): number {
    return this.server.port;
  }

  /** While running and its directory exists (Go checks the directory). */
  async isInstalled(): Promise<boolean> {
    if (this.#state !== 'running') return false;
    return stat(this.directory).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
  }

  validateJob(job: Job): void {
    publisherSpec(job, PublisherTypes.Local);
  }

  /**
   * Archives `resultsDir` to `<executionID>.tar.gz` and returns its download URL.
   * @throws BacalhauError ServiceUnavailable once stopping; IOError when the archive cannot be written.
   */
  async publishResult(request: PublishRequest, options: IoOptions = {}): Promise<SpecConfig> {
    if (this.#state !== 'running') throw stoppedError();
    throwIfAborted(options.signal, 'publishing results');
    this.validateJob(request.job);
    const name = archiveName(request.executionID);
    const signals = [this.#stopping.signal, ...(options.signal === undefined ? [] : [options.signal])];
    const writing = writeArchive(request.resultsDir, this.directory, name, anySignal(signals));
    this.#publishing.add(writing.catch(() => undefined));
    try {
      await writing;
    } catch (err) {
      if (this.#stopping.signal.aborted) throw stoppedError();
      if (options.signal?.aborted === true) throw abortedError(options.signal, 'publishing results');
      throw ioError(`archiving the results of execution ${request.executionID}`, err);
    }
    return { Type: StorageSource.URL, Params: { URL: downloadURL(this.host, this.port, name) } };
  }

  /**
   * Stops serving (downloads in progress are cut) and aborts the publishes in progress, then resolves
   * once no file is open. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#state = 'stopping';
    this.#stopping.abort();
    await Promise.all([this.server.stop(), this.#publishing.settled()]);
    this.#state = 'stopped';
  }
}

function stoppedError(): BacalhauError {
  return new BacalhauError('the local publisher is stopped', {
    code: ErrorCode.ServiceUnavailable,
    component: PublisherComponent,
    hint: 'The compute node is shutting down; the execution can run again on a running node.',
    retryable: true,
  });
}
