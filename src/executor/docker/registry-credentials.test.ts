import { describe, expect, it } from 'vitest';
import { registryLogin } from './registry-credentials.js';

describe('registryLogin', () => {
  const env = { DOCKER_USERNAME: 'me', DOCKER_PASSWORD: 'secret' };

  it("logs in to the default registry with the node's DOCKER_USERNAME and DOCKER_PASSWORD", () => {
    expect(registryLogin('ubuntu:24.04', env)).toEqual({ username: 'me', password: 'secret' });
    expect(registryLogin('me/private@sha256:abc', env)).toEqual({ username: 'me', password: 'secret' });
    expect(registryLogin('docker.io/library/ubuntu', env)).toEqual({ username: 'me', password: 'secret' });
    expect(registryLogin('index.docker.io/me/private:1', env)).toEqual({
      username: 'me',
      password: 'secret',
    });
  });

  it('never sends the Hub password to a registry a job names, with or without a path under it', () => {
    for (const image of [
      'attacker.example/x',
      'attacker.example:443/x',
      'localhost:5000/x',
      'localhost/x',
      '127.0.0.1:9/x',
    ]) {
      expect(registryLogin(image, env), image).toBeUndefined();
    }
  });

  it('gives no login for another registry, nor without both variables', () => {
    expect(registryLogin('ghcr.io/me/private', env)).toBeUndefined();
    expect(registryLogin('me/private', { DOCKER_USERNAME: 'me' })).toBeUndefined();
    expect(registryLogin('me/private', { DOCKER_USERNAME: 'me', DOCKER_PASSWORD: '' })).toBeUndefined();
  });
});
