import { expect } from 'vitest';
import { runPublisherContract } from '../publisher.contract.js';
import { NoopPublisher } from './noop.js';

runPublisherContract('noop', () =>
  Promise.resolve({
    type: 'noop',
    publisher: new NoopPublisher(),
    spec: { Type: 'noop', Params: {} },
    // Go returns models.SpecConfig{}: the execution's PublishedResult stays empty
    expectPublished: (published) => Promise.resolve(void expect(published).toEqual({ Type: '' })),
    stored: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  }),
);
