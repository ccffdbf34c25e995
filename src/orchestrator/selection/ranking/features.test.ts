import { describe, expect, it } from 'vitest';
import { computeNode, job } from '../testing.js';
import { EnginesNodeRanker } from './engines.js';
import { PublishersNodeRanker } from './publishers.js';
import { StoragesNodeRanker } from './storages.js';

const ctx = {};
const input = (type: string) => ({ Source: { Type: type }, Alias: '', Target: `/inputs/${type}` });

describe('EnginesNodeRanker', () => {
  it.each([
    ['docker', ['docker', 'wasm'], 10, 'provides all the specified required types'],
    ['Docker', ['docker'], 10, 'provides all the specified required types'],
    ['wasm', ['DOCKER', 'WASM'], 10, 'provides all the specified required types'],
    ['wasm', ['docker'], -1, 'does not support wasm, only docker'],
    ['noop', ['docker', 'wasm'], -1, 'does not support noop, only docker, wasm'],
    ['docker', [], -1, 'does not support docker, only '],
  ])('engine %s on a node with %j ranks %d: %s', (engine, engines, rank, reason) => {
    const [r] = new EnginesNodeRanker().rankNodes(
      job({}, { Engine: { Type: engine } }),
      [computeNode('n', { engines })],
      ctx,
    );
    expect(r).toMatchObject({ rank, reason, retryable: false });
  });

  it('treats a node that sends no engines (Go null) as offering none', () => {
    const node = computeNode('n');
    (node.ComputeNodeInfo as { ExecutionEngines: string[] | null }).ExecutionEngines = null;
    expect(new EnginesNodeRanker().rankNodes(job(), [node], ctx)[0]?.reason).toBe(
      'does not support docker, only ',
    );
  });

  it('ranks every node, in order', () => {
    const ranks = new EnginesNodeRanker().rankNodes(
      job(),
      [computeNode('a', { engines: ['wasm'] }), computeNode('b'), computeNode('c', { engines: [] })],
      ctx,
    );
    expect(ranks.map((r) => [r.nodeInfo.NodeID, r.rank])).toEqual([
      ['a', -1],
      ['b', 10],
      ['c', -1],
    ]);
  });
});

describe('PublishersNodeRanker', () => {
  it.each([
    ['local', ['local', 's3'], 10, 'provides all the specified required types'],
    ['S3', ['s3'], 10, 'provides all the specified required types'],
    ['ipfs', ['local', 's3'], -1, 'does not support ipfs, only local, s3'],
    ['', [], 10, 'provides all the specified required types'],
  ])('publisher %j on a node with %j ranks %d', (publisher, publishers, rank, reason) => {
    const [r] = new PublishersNodeRanker().rankNodes(
      job({}, { Publisher: { Type: publisher } }),
      [computeNode('n', { publishers })],
      ctx,
    );
    expect(r).toMatchObject({ rank, reason, retryable: false });
  });

  it('needs nothing from a task without a publisher', () => {
    const [r] = new PublishersNodeRanker().rankNodes(
      job({}, { Publisher: undefined }),
      [computeNode('n', { publishers: [] })],
      ctx,
    );
    expect(r?.rank).toBe(10);
  });
});

describe('StoragesNodeRanker', () => {
  it.each([
    [[], ['s3'], 10, 'provides all the specified required types'],
    [['s3'], ['S3', 'inline'], 10, 'provides all the specified required types'],
    [['s3', 'inline', 's3'], ['s3', 'inline'], 10, 'provides all the specified required types'],
    [['ipfs'], ['s3', 'inline'], -1, 'does not support ipfs, only s3, inline'],
    [['s3', 'ipfs', 'local'], ['s3'], -1, 'does not support ipfs, only s3'],
    [
      ['inline', 'local'],
      ['inline', 'urlDownload'],
      -1,
      'does not support local, only inline, urlDownload (a node offers local inputs once its ' +
        'Compute.AllowListedLocalPaths names their folders)',
    ],
  ])('inputs %j on a node with %j rank %d', (types, storages, rank, reason) => {
    const [r] = new StoragesNodeRanker().rankNodes(
      job({}, { InputSources: types.map(input) }),
      [computeNode('n', { storages })],
      ctx,
    );
    expect(r).toMatchObject({ rank, reason, retryable: false });
  });
});
