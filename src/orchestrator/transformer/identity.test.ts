import { describe, expect, it } from 'vitest';
import { idGenerator, nameOptional } from './identity.js';
import { makeJob } from './testing.js';

describe('idGenerator', () => {
  it('gives a job without an ID a new j-<uuid>', () => {
    const job = idGenerator()(makeJob({ ID: '' }));
    expect(job.ID).toMatch(/^j-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives every job a different ID', () => {
    const generate = idGenerator();
    expect(generate(makeJob()).ID).not.toBe(generate(makeJob()).ID);
  });

  it('keeps an ID the job already has (service and daemon jobs may bring their own)', () => {
    expect(idGenerator()(makeJob({ ID: 'my-service', Type: 'service' })).ID).toBe('my-service');
  });

  it('uses the injected generator and leaves its argument untouched', () => {
    const input = makeJob();
    const job = idGenerator(() => 'j-fixed')(input);
    expect(job.ID).toBe('j-fixed');
    expect(input.ID).toBe('');
  });
});

describe('nameOptional', () => {
  it('names a nameless job after its ID', () => {
    expect(nameOptional(makeJob({ ID: 'j-1', Name: '' })).Name).toBe('j-1');
  });

  it('keeps a name', () => {
    expect(nameOptional(makeJob({ ID: 'j-1', Name: 'mine' })).Name).toBe('mine');
  });
});
