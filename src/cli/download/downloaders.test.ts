import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseDownloader, type DownloaderChoice } from './downloaders.js';
import { startResultServer, type ResultServer } from './testing.js';
import type { ResultDownloader } from './types.js';

const enabled = { Disabled: [] };

function downloader(choice: DownloaderChoice): ResultDownloader {
  if (!choice.available) throw new Error('expected a downloader');
  return choice.downloader;
}

let server: ResultServer;
let dir: string;
beforeAll(async () => {
  server = await startResultServer((req, res) => res.end(req.url));
  dir = await mkdtemp(join(tmpdir(), 'download-choice-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('chooseDownloader', () => {
  it('GETs the URL of urlDownload and the PreSignedURL of s3PreSigned (parameters in any case)', async () => {
    const url = downloader(chooseDownloader('urlDownload', enabled));
    const signed = downloader(chooseDownloader('s3PreSigned', enabled));
    const viaUrl = await url.fetch({ Type: 'urlDownload', Params: { url: server.url('/a/e-1') } }, dir);
    const viaSigned = await signed.fetch(
      { Type: 's3PreSigned', Params: { PreSignedURL: server.url('/b/e-2?X-Amz-Signature=s'), Bucket: 'b' } },
      dir,
    );
    expect(await readFile(viaUrl, 'utf8')).toBe('/a/e-1');
    expect(await readFile(viaSigned, 'utf8')).toBe('/b/e-2?X-Amz-Signature=s');
  });

  it('says which parameter a result lacks', async () => {
    const url = downloader(chooseDownloader('urlDownload', enabled));
    await expect(url.fetch({ Type: 'urlDownload', Params: { URL: '' } }, dir)).rejects.toThrow(
      'the published urlDownload result has no URL parameter',
    );
  });

  it('refuses types disabled by ResultDownloaders.Disabled, in any case', () => {
    expect(chooseDownloader('s3PreSigned', { Disabled: ['S3PRESIGNED'] })).toEqual({
      available: false,
      reason:
        'Downloading s3PreSigned results is disabled by the configuration (ResultDownloaders.Disabled).',
    });
  });

  it('says ipfs is not supported yet, and has nothing to add for types it does not know', () => {
    expect(chooseDownloader('ipfs', enabled)).toMatchObject({
      available: false,
      reason: expect.stringContaining('ipfs results is not supported yet') as unknown,
    });
    expect(chooseDownloader('local', enabled)).toEqual({ available: false });
    expect(chooseDownloader('s3', enabled)).toEqual({ available: false });
  });
});
