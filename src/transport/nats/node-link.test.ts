import { expect, it } from 'vitest';
import { DeliveryScheduler } from '../delivery.js';
import { NodeLink, UnnamedConnection } from './node-link.js';

const linkWith = (connection: string | undefined): NodeLink => {
  const link = new NodeLink(
    'n-1',
    new DeliveryScheduler(),
    () => undefined,
    () => true,
  );
  link.connection = connection;
  return link;
};

it('takes what names the live connection, and what names none only from a Go node (which names none)', () => {
  const named = linkWith('c-1');
  expect([named.isLive('c-1'), named.isLive('c-2'), named.isLive(undefined)]).toEqual([true, false, false]);
  const goNode = linkWith(UnnamedConnection);
  expect([goNode.isLive(undefined), goNode.isLive('c-1')]).toEqual([true, false]);
  const disconnected = linkWith(undefined);
  expect([disconnected.isLive(undefined), disconnected.isLive('c-1')]).toEqual([false, false]);
});
