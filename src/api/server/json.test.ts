import { describe, expect, it } from 'vitest';
import { turnsDuring } from '../../../test/helpers/event-loop.js';
import { listJobsResponseSchema } from '../apimodels/wire.js';
import { jobSchema } from '../../models/schemas.js';
import { emptyJob, type Job } from '../../models/job.js';
import { goJson, goJsonList, wire, type ListBody } from './json.js';

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

describe('goJsonList', () => {
  const bodies: ListBody[] = [
    { NextToken: '', Items: jobs },
    { NextToken: 'eyJ0b2tlbiI6MX0=', Items: jobs.slice(0, 1) },
    { NextToken: '', Items: [] },
  ];
  const variants = [{}, { pretty: true }, { unescaped: true }, { pretty: true, unescaped: true }];

  it('encodes as the answer encoded at once, byte for byte, also when it yields after every item', async () => {
    for (const body of bodies) {
      for (const options of variants) {
        const atOnce = goJson(wire(body, listJobsResponseSchema), options);
        expect(await goJsonList(body, listJobsResponseSchema, jobSchema, { ...options, sliceMs: 0 })).toBe(
          atOnce,
        );
        expect(await goJsonList(body, listJobsResponseSchema, jobSchema, options)).toBe(atOnce);
      }
    }
  });

  it('lets other work run between items', async () => {
    const { turns } = await turnsDuring(() =>
      goJsonList({ NextToken: '', Items: jobs }, listJobsResponseSchema, jobSchema, { sliceMs: 0 }),
    );
    expect(turns).toBeGreaterThanOrEqual(jobs.length);
  });
});
