import { describe, expect, it } from 'vitest';
import { networkingStrategy } from './networking.js';
import { requestWith } from './testing.js';

describe('networkingStrategy', () => {
  const ask = (reject: boolean, Type?: 'None' | 'Default' | 'Host' | 'HTTP' | 'Bridge') =>
    networkingStrategy(reject).shouldBid(requestWith(Type === undefined ? {} : { Network: { Type } }));

  it('accepts tasks without a network, and tasks that leave it to the node', async () => {
    expect(await ask(true, 'None')).toEqual({
      shouldBid: true,
      reason: 'this node does run jobs that do not require network access',
    });
    expect(await ask(true, 'Default')).toEqual({
      shouldBid: true,
      reason: 'this node does run jobs with undefined network access',
    });
    expect(await ask(true)).toEqual(await ask(true, 'Default'));
  });

  it('refuses networked tasks when RejectNetworkedJobs is set, and only then', async () => {
    for (const type of ['Host', 'HTTP', 'Bridge'] as const) {
      expect(await ask(true, type)).toEqual({
        shouldBid: false,
        reason: 'this node does not run jobs that require network access',
      });
      expect(await ask(false, type)).toEqual({
        shouldBid: true,
        reason: 'this node does run jobs that require network access',
      });
    }
  });

  it('rejects (does not throw) for a job without a task', async () => {
    const request = { ...requestWith(), job: { ...requestWith().job, Tasks: [] } };
    await expect(networkingStrategy(true).shouldBid(request)).rejects.toMatchObject({
      code: 'ValidationError',
    });
  });
});
