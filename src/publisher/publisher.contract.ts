/**
 * The behaviour every publisher must have (see types.ts), as a vitest suite each implementation runs
 * unchanged: `runPublisherContract('local', setup)`.
 *
 * `setup` builds the publisher and says how to check what it published: `expectPublished` gets the
 * returned SpecConfig and the results folder it must give back (for `noop`: nothing).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode, type Job, type SpecConfig } from '../models/index.js';
import { publishExecution } from './publish.js';
import { PublisherRegistry, type PublisherType } from './registry.js';
import { jobPublishingWith, snapshot, writeResults } from './testing/results.js';
import type { Publisher, PublishRequest } from './types.js';

export interface BadJob {
  name: string;
  job: Job;
  /** The field the error names (`Tasks[0].Publisher.Params.Bucket`). */
  field: string;
  code?: ErrorCode;
}

export interface PublisherFixture {
  type: PublisherType;
  publisher: Publisher;
  /** The publisher spec of a job that publishes with it. */
  spec: SpecConfig;
  /** Checks that `published` gives back exactly the contents of `resultsDir`, or nothing for noop. */
  expectPublished(published: SpecConfig, resultsDir: string): Promise<void>;
  /** What the publisher holds, to check that failures leave nothing behind. */
  stored(): Promise<string[]>;
  /** Jobs whose publisher spec is wrong in a way particular to this publisher. */
  bad?: readonly BadJob[];
  /** Stops the publisher and removes what the setup created. */
  close(): Promise<void>;
}

/** Rejects with a BacalhauError naming `bad.field` first in its message, with a hint. */
async function expectFieldError(promise: Promise<unknown>, bad: BadJob, prefix = ''): Promise<void> {
  const start = `${prefix}${bad.field}: `.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expect(promise, bad.name).rejects.toBeInstanceOf(BacalhauError);
  await expect(promise, bad.name).rejects.toMatchObject({
    details: { Field: bad.field },
    message: expect.stringMatching(new RegExp(`^${start}`)) as unknown,
    hint: expect.stringMatching(/\S/) as unknown,
    ...(bad.code === undefined ? {} : { code: bad.code }),
  });
}

export function runPublisherContract(name: string, setup: () => Promise<PublisherFixture>): void {
  describe(`publisher contract: ${name}`, () => {
    let fixture: PublisherFixture;
    let root: string;

    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'publisher-contract-'));
      fixture = await setup();
    });
    afterEach(async () => {
      await fixture.close();
      await rm(root, { recursive: true, force: true });
    });

    /** A request for execution `executionID` whose results folder is filled with `seed`. */
    async function request(executionID: string, seed = executionID): Promise<PublishRequest> {
      const resultsDir = join(root, executionID);
      await mkdir(resultsDir);
      await writeResults(resultsDir, seed);
      return {
        executionID,
        jobID: 'j-test',
        nodeID: 'n-test',
        job: jobPublishingWith(fixture.spec),
        resultsDir,
      };
    }

    const genericBad = (): BadJob[] => [
      {
        name: 'another type',
        job: jobPublishingWith({ Type: fixture.type === 'noop' ? 'local' : 'noop', Params: {} }),
        field: 'Tasks[0].Publisher.Type',
        code: ErrorCode.InternalError,
      },
      { name: 'no task', job: { ...jobPublishingWith(fixture.spec), Tasks: [] }, field: 'Tasks' },
    ];

    it('is installed and found by its type, in any case', async () => {
      expect(await fixture.publisher.isInstalled()).toBe(true);
      const registry = new PublisherRegistry({ [fixture.type]: fixture.publisher });
      expect(await registry.installedTypes()).toEqual([fixture.type]);
      expect(await registry.get(` ${fixture.type.toUpperCase()} `)).toBe(fixture.publisher);
    });

    it('publishes the results folder, only reading it', async () => {
      const req = await request('e-first');
      const before = await snapshot(req.resultsDir);
      fixture.publisher.validateJob(req.job);
      const published = await fixture.publisher.publishResult(req);
      expect(await snapshot(req.resultsDir)).toEqual(before);
      await fixture.expectPublished(published, req.resultsDir);
    });

    it('replaces what it published when the same execution is published again', async () => {
      const req = await request('e-again', 'first');
      await fixture.publisher.publishResult(req);
      const stored = await fixture.stored();
      await writeResults(req.resultsDir, 'second');
      const published = await fixture.publisher.publishResult(req);
      await fixture.expectPublished(published, req.resultsDir);
      expect(await fixture.stored()).toEqual(stored);
    });

    it('publishes concurrent executions independently', async () => {
      const requests = await Promise.all(['e-1', 'e-2', 'e-3', 'e-4'].map((id) => request(id)));
      const published = await Promise.all(requests.map((req) => fixture.publisher.publishResult(req)));
      for (const [i, req] of requests.entries())
        await fixture.expectPublished(published[i] as SpecConfig, req.resultsDir);
    });

    it('rejects bad jobs naming the field and the fix, leaving nothing behind', async () => {
      const req = await request('e-bad');
      for (const bad of [...genericBad(), ...(fixture.bad ?? [])]) {
        await expectFieldError(
          Promise.resolve().then(() => fixture.publisher.validateJob(bad.job)),
          bad,
        );
        await expectFieldError(fixture.publisher.publishResult({ ...req, job: bad.job }), bad);
        expect(await fixture.stored(), bad.name).toEqual([]);
      }
    });

    it('names the field when publishing through the registry', async () => {
      const req = await request('e-registry');
      const registry = new PublisherRegistry({ [fixture.type]: fixture.publisher });
      await fixture.expectPublished(await publishExecution(registry, req), req.resultsDir);
      for (const bad of fixture.bad ?? []) {
        await expectFieldError(
          publishExecution(registry, { ...req, job: bad.job }),
          bad,
          'failed to publish result: ',
        );
      }
      const unknown = jobPublishingWith({ Type: 'carrier-pigeon', Params: {} });
      await expect(publishExecution(registry, { ...req, job: unknown })).rejects.toMatchObject({
        code: ErrorCode.NotImplemented,
        details: { Field: 'Tasks[0].Publisher.Type' },
        message: expect.stringMatching(/^failed to publish result: Tasks\[0\]\.Publisher\.Type: /) as unknown,
      });
    });

    it('does nothing when the signal has already fired', async () => {
      const req = await request('e-cancelled');
      await expect(
        fixture.publisher.publishResult(req, { signal: AbortSignal.abort() }),
      ).rejects.toMatchObject({
        code: ErrorCode.RequestCancelled,
      });
      expect(await fixture.stored()).toEqual([]);
    });
  });
}
