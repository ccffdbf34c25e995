import { describe, expect, it } from 'vitest';
import { newExecutionID, newJobID, newNodeID, shortNodeID, shortUUID } from './ids.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ids', () => {
  it('prefixes v4 UUIDs', () => {
    expect(newJobID()).toMatch(new RegExp(`^j-${uuid.source.slice(1)}`));
    expect(newExecutionID().startsWith('e-')).toBe(true);
    expect(newNodeID().startsWith('n-')).toBe(true);
    expect(newJobID()).not.toBe(newJobID());
  });

  it.each([
    ['j-2b6f1c3e-1111-4222-8333-444455556666', 'j-2b6f1c3e'],
    ['2b6f1c3e-1111-4222-8333-444455556666', '2b6f1c3e'],
    ['my-job-name', 'my-job-name'],
  ])('shortUUID(%s) = %s', (id, short) => {
    expect(shortUUID(id)).toBe(short);
  });

  it.each([
    ['n-7d3a1b2c-1111-4222-8333-444455556666', 'n-7d3a1b2c'],
    ['QmYgxZiySj3MRkwLSL4X2MF5F9f2PMhAE3LV49XkfNL1o3', 'QmYgxZiy'],
    ['78faf114-6a45-457e-825c-40fd2fad768f', '78faf114'],
    ['hostname-node', 'hostname-node'],
    ['', ''],
  ])('shortNodeID(%s) = %s', (id, short) => {
    expect(shortNodeID(id)).toBe(short);
  });
});
