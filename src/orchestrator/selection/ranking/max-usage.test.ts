import { describe, expect, it } from 'vitest';
import type { ResourcesConfig } from '../../../models/index.js';
import { computeNode, job } from '../testing.js';
import { MaxUsageNodeRanker, maxUsageReason } from './max-usage.js';

const rank = (
  requested: ResourcesConfig,
  max: { CPU?: number; Memory?: number; Disk?: number; GPU?: number },
) =>
  new MaxUsageNodeRanker().rankNodes(
    job({}, { Resources: requested }),
    [computeNode('n', { maxJobRequirements: max })],
    {},
  )[0];

describe('MaxUsageNodeRanker', () => {
  it.each<[string, ResourcesConfig, Record<string, number>, number, string]>([
    ['nothing requested', {}, { CPU: 1 }, 0, 'max job resource requirements not set or unknown'],
    [
      'fits',
      { CPU: '500m', Memory: '1GB' },
      { CPU: 1, Memory: 2e9, Disk: 0, GPU: 0 },
      10,
      'job requires less resources than are available',
    ],
    [
      'exactly fits',
      { CPU: '1', Memory: '1GB', GPU: '1' },
      { CPU: 1, Memory: 1e9, GPU: 1 },
      10,
      'job requires less resources than are available',
    ],
    [
      'too much CPU',
      { CPU: '2' },
      { CPU: 1.5 },
      -1,
      'job requires more CPU (2) than the maximum available (1.5)',
    ],
    [
      'too much of everything',
      { CPU: '250m', Memory: '2GB', Disk: '10GB', GPU: '2' },
      { CPU: 0.1, Memory: 1.5e9, Disk: 5e9, GPU: 1 },
      -1,
      'job requires more CPU (0.25) than the maximum available (0.1) and more memory (2.0 GB) than the maximum ' +
        'available (1.5 GB) and more disk (10 GB) than the maximum available (5.0 GB) and more GPUs (2) than ' +
        'the maximum available (1)',
    ],
    [
      'a node that reports no limits',
      { CPU: '100m' },
      {},
      -1,
      'job requires more CPU (0.1) than the maximum available (0)',
    ],
  ])('%s', (_name, requested, max, expectedRank, reason) => {
    expect(rank(requested, max)).toMatchObject({ rank: expectedRank, reason, retryable: true });
  });

  it('prints CPU as Go %v does', () => {
    expect(
      maxUsageReason({ CPU: 2_000_000, Memory: 0, Disk: 0, GPU: 0 }, { CPU: 1, Memory: 0, Disk: 0, GPU: 0 }),
    ).toBe('job requires more CPU (2e+06) than the maximum available (1)');
  });

  it('reports unparsable job resources as a validation error naming the job', () => {
    expect(() => rank({ CPU: 'lots' }, {})).toThrow(/^failed to convert resources of job j-1 to resources: /);
    expect(() => rank({ CPU: 'lots' }, {})).toThrow(expect.objectContaining({ code: 'ValidationError' }));
  });
});
