import { describe, expect, it } from 'vitest';
import type { LabelSelectorRequirement } from '../../../models/index.js';
import { computeNode, job } from '../testing.js';
import { LabelsNodeRanker } from './labels.js';

const rank = (constraints: LabelSelectorRequirement[], labels: Record<string, string>) =>
  new LabelsNodeRanker().rankNodes(job({ Constraints: constraints }), [computeNode('n', { labels })], {})[0];

const eq = (Key: string, value: string): LabelSelectorRequirement => ({
  Key,
  Operator: '=',
  Values: [value],
});

describe('LabelsNodeRanker', () => {
  it.each<[string, LabelSelectorRequirement[], Record<string, string>, number, string]>([
    ['no constraints', [], { region: 'eu' }, 0, 'selectors not set or unknown'],
    ['a matching constraint', [eq('region', 'eu')], { region: 'eu' }, 10, 'match for required selector'],
    [
      'in with several values',
      [{ Key: 'region', Operator: 'in', Values: ['us', 'eu'] }],
      { region: 'eu' },
      10,
      'match for required selector',
    ],
    ['exists', [{ Key: 'gpu', Operator: 'exists' }], { gpu: '' }, 10, 'match for required selector'],
    [
      'gt',
      [{ Key: 'cores', Operator: 'gt', Values: ['4'] }],
      { cores: '8' },
      10,
      'match for required selector',
    ],
    [
      'a constraint that does not match',
      [eq('region', 'us'), { Key: 'zone', Operator: 'in', Values: ['a', 'b'] }],
      { zone: 'a', region: 'eu' },
      -1,
      "labels map[region:eu zone:a] don't match required selectors [region = us zone in a|b]",
    ],
    [
      'a node without labels',
      [eq('region', 'us')],
      {},
      -1,
      "labels map[] don't match required selectors [region = us]",
    ],
    [
      'only favour_ constraints, matching',
      [eq('favour_region', 'eu')],
      { region: 'eu' },
      10,
      'match for preferred selector',
    ],
    [
      'only favour_ constraints, not matching',
      [eq('favour_region', 'eu')],
      { region: 'us' },
      0,
      'selectors not set or unknown',
    ],
    [
      'required and preferred both matching',
      [eq('region', 'eu'), eq('favour_zone', 'a')],
      { region: 'eu', zone: 'a' },
      20,
      'match for preferred selector',
    ],
    [
      'required matching, preferred not',
      [eq('region', 'eu'), eq('favour_zone', 'a')],
      { region: 'eu', zone: 'b' },
      10,
      'match for required selector',
    ],
    [
      'required not matching: favour_ cannot rescue it, and is listed in the reason',
      [eq('region', 'us'), eq('favour_zone', 'a')],
      { region: 'eu', zone: 'a' },
      -1,
      "labels map[region:eu zone:a] don't match required selectors [region = us favour_zone = a]",
    ],
    [
      'several favour_ constraints must all match for the bonus',
      [eq('favour_region', 'eu'), eq('favour_zone', 'a')],
      { region: 'eu', zone: 'b' },
      0,
      'selectors not set or unknown',
    ],
  ])('%s', (_name, constraints, labels, expectedRank, reason) => {
    expect(rank(constraints, labels)).toMatchObject({ rank: expectedRank, reason, retryable: false });
  });

  it('vetoes every node, with the k8s errors, when a stored constraint is invalid', () => {
    const r = rank([{ Key: 'bad key', Operator: '=', Values: ['x'] }], { 'bad key': 'x' });
    expect(r?.rank).toBe(-1);
    expect(r?.reason).toMatch(/^invalid constraint bad key = x: key: Invalid value: "bad key": /);
    const favour = rank([{ Key: 'favour_', Operator: 'exists' }], {});
    expect(favour?.rank).toBe(-1);
    expect(favour?.reason).toMatch(
      /^invalid constraint favour_ exists : \[key: Invalid value: "favour_": .*, key: Invalid value: "": /,
    );
  });
});
