import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPullingImage } from './images.js';

/** A daemon without the image until it is pulled; it records the options of each pull. */
function daemonWithoutImage(): { docker: Docker; pulls: Record<string, unknown>[] } {
  const pulls: Record<string, unknown>[] = [];
  const docker = {
    createContainer: () =>
      pulls.length === 0
        ? Promise.reject(
            Object.assign(new Error('(HTTP code 404) no such container - No such image: me/private:1 '), {
              statusCode: 404,
            }),
          )
        : Promise.resolve({ id: 'made' }),
    pull: (_image: string, options: Record<string, unknown>) => {
      pulls.push(options);
      return Promise.resolve(Readable.from([]));
    },
  } as unknown as Docker;
  return { docker, pulls };
}

describe('createPullingImage', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("pulls an absent image with the node's DOCKER_USERNAME and DOCKER_PASSWORD, as Bacalhau does", async () => {
    vi.stubEnv('DOCKER_USERNAME', 'me');
    vi.stubEnv('DOCKER_PASSWORD', 'secret');
    const { docker, pulls } = daemonWithoutImage();
    const made = await createPullingImage(docker, { Image: 'me/private:1' }, new AbortController().signal);
    expect(made).toEqual({ id: 'made' });
    expect(pulls).toEqual([expect.objectContaining({ authconfig: { username: 'me', password: 'secret' } })]);
  });

  it("never pulls on a node with SKIP_IMAGE_PULL, as Bacalhau's: the create fails", async () => {
    vi.stubEnv('SKIP_IMAGE_PULL', '');
    const { docker, pulls } = daemonWithoutImage();
    await expect(
      createPullingImage(docker, { Image: 'me/private:1' }, new AbortController().signal),
    ).rejects.toMatchObject({
      message: expect.stringMatching(
        /^image not available: "me\/private:1": .*No such image: me\/private:1/u,
      ) as string,
      hint: expect.stringContaining('started with SKIP_IMAGE_PULL, so it pulls no image') as string,
    });
    expect(pulls).toEqual([]);
  });

  it('pulls anonymously without them', async () => {
    vi.stubEnv('DOCKER_USERNAME', '');
    const { docker, pulls } = daemonWithoutImage();
    await createPullingImage(docker, { Image: 'me/private:1' }, new AbortController().signal);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).not.toHaveProperty('authconfig');
  });
});
