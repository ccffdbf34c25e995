import { describe, expect, it } from 'vitest';
import { NoopExecutor } from '../../executor/noop/executor.js';
import type { Resources } from '../../models/resources.js';
import type { Task } from '../../models/task.js';
import { InlineStorage, StorageRegistry, UrlDownloadStorage } from '../../storage/index.js';
import { inlineInput, input } from '../capacity/testing.js';
import { EngineRegistry } from '../engines.js';
import { createBidder, type AdmissionControl, type BidderOptions } from './bidder.js';
import { jobWith } from './testing.js';
import { bidResponse } from './types.js';

const MiB = 1024 ** 2;
const open: AdmissionControl = {
  Locality: 'anywhere',
  RejectStatelessJobs: false,
  RejectNetworkedJobs: false,
  ProbeHTTP: '',
  ProbeExec: '',
};

function bidder(admission: Partial<AdmissionControl> = {}, overrides: Partial<BidderOptions> = {}) {
  const engines = new EngineRegistry({
    noop: new NoopExecutor(),
    docker: new NoopExecutor({
      hooks: { shouldBidBasedOnUsage: (_r, usage) => bidResponse(usage.Memory < 1e9, 'run jobs under 1 GB') },
    }),
  });
  return createBidder({
    nodeID: 'n-test',
    admission: { ...open, ...admission },
    maxJobRequirements: () => ({ CPU: 4, Memory: 8e9, Disk: 100e9, GPU: 0 }),
    engines,
    publisherInstalled: (type) => type === 'noop' || type === 'local',
    storages: new StorageRegistry({
      inline: new InlineStorage(),
      urlDownload: new UrlDownloadStorage({ timeoutMs: 2000, maxRetries: 0 }),
    }),
    envAllowList: ['^AWS_'],
    ...overrides,
  });
}
const noopTask: Partial<Task> = { Engine: { Type: 'noop', Params: {} }, Publisher: { Type: 'noop' } };
const bid = (b: ReturnType<typeof bidder>, task: Partial<Task> = {}) =>
  b.bid({ job: jobWith({ ...noopTask, ...task }) });
const zero: Resources = { CPU: 0, Memory: 0, Disk: 0, GPU: 0 };

describe('createBidder', () => {
  it('accepts with no reason and the usage to allocate: defaults filled in, disk from the inputs', async () => {
    expect(await bid(bidder(), { InputSources: [inlineInput('hello')] })).toEqual({
      shouldBid: true,
      reason: '',
      usage: { CPU: 0.1, Memory: 100 * MiB, Disk: 5, GPU: 0 },
    });
    expect((await bid(bidder(), { Resources: { CPU: '2', Memory: '1Gi' } })).usage).toEqual({
      CPU: 2,
      Memory: 1024 * MiB,
      Disk: 0,
      GPU: 0,
    });
  });

  it('asks every semantic strategy and joins all refusals, without calculating usage', async () => {
    const b = bidder({ RejectNetworkedJobs: true, RejectStatelessJobs: true });
    const outcome = await bid(b, {
      Network: { Type: 'Host' },
      Publisher: { Type: 's3' },
      Env: { SECRET: 'env:HOME' },
      // an unreachable input is not even sized: the job is already refused
      InputSources: [input('urlDownload', { URL: 'http://127.0.0.1:9/x' }), input('ipfs', { CID: 'Qm' })],
    });
    expect(outcome).toEqual({
      shouldBid: false,
      reason: [
        'rejected bid: this node does not run jobs that require network access',
        'rejected bid: this node does not support "s3"',
        'rejected bid: this node does not support "ipfs"',
        "rejected bid: this node does not resolve environment variable SECRET: environment variable 'HOME' is not in allowed patterns",
      ].join('; '),
      usage: zero,
    });
  });

  it('runs the probes alongside the other rules, not instead of them', async () => {
    const acceptingProbe = bidder({ RejectStatelessJobs: true, ProbeExec: 'exit 0' });
    expect(await bid(acceptingProbe)).toMatchObject({
      shouldBid: false,
      reason: 'rejected bid: this node does not accept jobs without any input volumes',
    });
    const refusingProbe = bidder({ ProbeExec: 'echo not today >&2; exit 1' });
    expect(await bid(refusingProbe)).toMatchObject({
      shouldBid: false,
      reason: 'rejected bid: this node does not accept this job: not today',
    });
  });

  it("refuses with the max-capacity message and the executor's reason, returning the usage", async () => {
    const outcome = await bid(bidder(), {
      Engine: { Type: 'docker', Params: {} },
      Resources: { CPU: '16', Memory: '2GB' },
    });
    expect(outcome).toEqual({
      shouldBid: false,
      reason: [
        'rejected bid: insufficient resources - requested: {CPU: 16.00, Memory: 2.0 GB, Disk: 0 B, GPU: 0}, available: {CPU: 4.00, Memory: 8.0 GB, Disk: 100 GB, GPU: 0}',
        'rejected bid: this node does not run jobs under 1 GB',
      ].join('; '),
      usage: { CPU: 16, Memory: 2e9, Disk: 0, GPU: 0 },
    });
  });

  it('reads the capacity on every bid', async () => {
    let max: Resources = { CPU: 1, Memory: 1e9, Disk: 1e9, GPU: 0 };
    const b = bidder({}, { maxJobRequirements: () => max });
    expect((await bid(b, { Resources: { CPU: '2' } })).shouldBid).toBe(false);
    max = { ...max, CPU: 2 };
    expect((await bid(b, { Resources: { CPU: '2' } })).shouldBid).toBe(true);
  });

  it('fails, naming the cause, when an input size cannot be found out', async () => {
    const err = await bid(bidder(), {
      InputSources: [input('urlDownload', { URL: 'http://127.0.0.1:9/data.csv' })],
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NetworkFailure' });
    expect((err as Error).message).toMatch(
      /^calculating resource usage of job: error getting job disk space requirements: InputSources\[0\]\.Source\.Params\.URL: /,
    );
  });

  it('fails on resources that do not parse, and on an unreachable probe', async () => {
    await expect(bid(bidder(), { Resources: { CPU: 'lots' } })).rejects.toMatchObject({
      message: 'parsing job resource config: invalid CPU value: lots',
    });
    await expect(bid(bidder({ ProbeHTTP: 'http://127.0.0.1:9/probe' }))).rejects.toMatchObject({
      code: 'NetworkFailure',
    });
  });
});
