import { describe, expect, it } from 'vitest';
import { getNodeResponseSchema, listJobsResponseSchema, listNodesResponseSchema } from '../apimodels/wire.js';
import { jobSchema, nodeStateSchema } from '../../models/schemas.js';
import { emptyJob, type Job } from '../../models/job.js';
import { goJson, goJsonListParts, wire, type ListBody } from './json.js';

function makeJob(overrides: Partial<Job>): Job {
  return {
    ...emptyJob(),
    ID: `j-${overrides.Name ?? ''}`,
    Type: 'batch',
    Count: 1,
    Tasks: [{ Name: 'main', Engine: { Type: 'docker', Params: { Image: 'busybox' } } }],
    ...overrides,
  };
}

const jobs = [
  makeJob({ Name: 'plain' }),
  makeJob({
    Name: 'html <&> and\nlines\u2028',
    Labels: { a: '<b>', empty: '' },
    Meta: { 'bacalhau.org/requester': 'x&y' },
    Tasks: [
      {
        Name: 'main',
        Engine: {
          Type: 'docker',
          Params: { Image: 'busybox', Entrypoint: ['sh', '-c', 'echo "a\tb" > /out'] },
        },
        Env: { LINES: 'one\ntwo' },
      },
    ],
  }),
  makeJob({ Name: 'third', Constraints: [] }),
];

describe('goJsonListParts', () => {
  const bodies: ListBody[] = [
    { NextToken: '', Items: jobs },
    { NextToken: 'eyJ0b2tlbiI6MX0=', Items: jobs.slice(0, 1) },
    { NextToken: '', Items: [] },
  ];
  const variants = [{}, { pretty: true }, { unescaped: true }, { pretty: true, unescaped: true }];
  /** The parts' texts, checking that the last one, and only it, says so. */
  const parts = (body: ListBody, options: object): string[] => {
    const all = [...goJsonListParts(body, listJobsResponseSchema, jobSchema, options)];
    expect(all.map((part) => part.last)).toEqual(all.map((_, i) => i === all.length - 1));
    return all.map((part) => part.text);
  };

  it('makes up the answer encoded at once, byte for byte, also cut after every item', () => {
    for (const body of bodies) {
      for (const options of variants) {
        const atOnce = goJson(wire(body, listJobsResponseSchema), options);
        expect(parts(body, { ...options, sliceMs: 0 }).join('')).toBe(atOnce);
        expect(parts(body, options).join('')).toBe(atOnce);
      }
    }
  });

  it('puts the items where its schema has them last (ListNodesResponse: Nodes)', () => {
    const nodes = ['n-1', 'n-2<&>'].map((id) => ({
      Info: { NodeID: id, NodeType: 'Compute', Labels: { zone: 'a\nb' } },
      Membership: 'APPROVED',
      ConnectionState: 'CONNECTED',
    }));
    const body = { NextToken: '', Nodes: nodes };
    for (const options of variants) {
      const atOnce = goJson(wire(body, listNodesResponseSchema), options);
      const cut = [
        ...goJsonListParts(body, listNodesResponseSchema, nodeStateSchema, { ...options, sliceMs: 0 }),
      ];
      expect(cut.map((part) => part.text).join('')).toBe(atOnce);
    }
  });

  it('refuses an answer whose last field is not a list', () => {
    expect(() => [...goJsonListParts({ Node: {} }, getNodeResponseSchema, nodeStateSchema)]).toThrow(
      'not a list answer',
    );
  });

  it('is one part when short, a part per slice of items otherwise', () => {
    expect(parts({ NextToken: '', Items: jobs }, {})).toHaveLength(1);
    expect(parts({ NextToken: '', Items: [] }, { sliceMs: 0 })).toHaveLength(1);
    expect(parts({ NextToken: '', Items: jobs }, { sliceMs: 0 })).toHaveLength(jobs.length);
  });
});
