import { describe, expect, it } from 'vitest';
import { imageReferenceProblem } from './image-reference.js';

const sha = 'a'.repeat(64);

describe('imageReferenceProblem', () => {
  it.each([
    'ubuntu',
    'ubuntu:22.04',
    'local/busybox:latest',
    'library/ubuntu',
    '2ca57f45b117', // a short image ID, as `docker run` takes it
    `sha256:${sha}`,
    'localhost:5000/team/app:v1.2_3-rc',
    'Registry.Example.com/org/app', // a host may have capitals, the path may not
    '[::1]:5000/app',
    `ghcr.io/org/app@sha256:${sha}`,
    `app:v1@sha256:${sha}`,
    'a__b/c-d---e.f_g',
  ])('takes %j', (reference) => {
    expect(imageReferenceProblem(reference)).toBeUndefined();
  });

  it.each([
    ['UPPER/Case:latest', 'invalid reference format: repository name must be lowercase'],
    ['busybox:latest:bad', 'invalid reference format'],
    [' busybox:latest', 'invalid reference format'],
    ['busybox@sha256:abc', 'invalid reference format'],
    ['app/', 'invalid reference format'],
    ['a//b', 'invalid reference format'],
    ['-app', 'invalid reference format'],
    [`app:${'t'.repeat(129)}`, 'invalid reference format'],
    [`${'a/'.repeat(127)}ab`, 'repository name must not be more than 255 characters'],
  ])('refuses %j as Docker does: %s', (reference, problem) => {
    expect(imageReferenceProblem(reference)).toBe(problem);
  });
});
