import { expect, it } from 'vitest';
import { hideCredentials } from './address-credentials.js';

it.each([
  ['nats://token@host:4222', 'nats://***@host:4222', 'nats://host:4222'],
  ['nats://user:pass@host:4222', 'nats://***@host:4222', 'nats://host:4222'],
  ['token@host:4222', '***@host:4222', 'host:4222'],
  ['TLS://token@host:4222', 'TLS://***@host:4222', 'TLS://host:4222'],
  ['nats://host:4222', 'nats://host:4222', 'nats://host:4222'],
  ['host:4222', 'host:4222', 'host:4222'],
  // an @ after the host is not userinfo
  ['nats://host:4222/x@y', 'nats://host:4222/x@y', 'nats://host:4222/x@y'],
])('hides the credentials in %s', (address, masked, dropped) => {
  expect(hideCredentials(address, '***')).toBe(masked);
  expect(hideCredentials(address)).toBe(dropped);
});
