import { describe, expect, it } from 'vitest';
import { inlineInput } from '../capacity/testing.js';
import { statelessJobStrategy } from './stateless-job.js';
import { requestWith } from './testing.js';

describe('statelessJobStrategy', () => {
  it('refuses jobs without inputs when RejectStatelessJobs is set', async () => {
    expect(await statelessJobStrategy(true).shouldBid(requestWith())).toEqual({
      shouldBid: false,
      reason: 'this node does not accept jobs without any input volumes',
    });
    expect(await statelessJobStrategy(false).shouldBid(requestWith({ InputSources: [] }))).toEqual({
      shouldBid: true,
      reason: 'this node does accept jobs without any input volumes',
    });
  });

  it('accepts jobs with inputs either way', async () => {
    expect(
      await statelessJobStrategy(true).shouldBid(requestWith({ InputSources: [inlineInput('x')] })),
    ).toEqual({
      shouldBid: true,
      reason: 'this node does accept jobs with input volumes',
    });
  });
});
