/**
 * The `noop` publisher (Go's `pkg/publisher/noop`): publishes nothing and returns an empty SpecConfig,
 * `{ Type: "" }`, exactly what Go returns (`models.SpecConfig{}`), so the execution's
 * `PublishedResult` is empty and `job get` has nothing to download.
 */
import { Publisher as PublisherTypes, type Job, type SpecConfig } from '../../models/index.js';
import { throwIfAborted } from '../errors.js';
import { publisherSpec } from '../spec.js';
import type { IoOptions, PublishRequest, Publisher } from '../types.js';

export class NoopPublisher implements Publisher {
  isInstalled(): Promise<boolean> {
    return Promise.resolve(true);
  }

  validateJob(job: Job): void {
    publisherSpec(job, PublisherTypes.Noop);
  }

  publishResult(request: PublishRequest, options: IoOptions = {}): Promise<SpecConfig> {
    // a throw inside the executor rejects the promise
    return new Promise((resolve) => {
      throwIfAborted(options.signal, 'publishing');
      this.validateJob(request.job);
      resolve({ Type: '' });
    });
  }
}
