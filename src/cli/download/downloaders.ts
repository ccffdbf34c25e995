/**
 * Which downloader fetches a published result of a given type (Go's `NewStandardDownloaders`), as the
 * `ResultDownloaders` configuration allows. Types compare case-insensitively, as Go's `Disabled` does.
 */
import type { BacalhauConfig } from '../../config/index.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { StorageSource } from '../../models/constants.js';
import type { SpecConfig } from '../../models/spec-config.js';
import { fetchUrl } from './http.js';
import type { ResultDownloader } from './types.js';

export type DownloaderChoice =
  | { available: true; downloader: ResultDownloader }
  /** `reason`: a line telling the user why, when there is more to say than Go's generic message. */
  | { available: false; reason?: string };

/** Downloaders that GET a URL held in one of the result's parameters. */
const httpDownloaders: ReadonlyMap<string, ResultDownloader> = new Map([
  [StorageSource.URL.toLowerCase(), urlParamDownloader('URL')],
  // The orchestrator turns `s3` results into pre-signed GET URLs: no S3 client is needed here.
  [StorageSource.S3PreSigned.toLowerCase(), urlParamDownloader('PreSignedURL')],
]);

export function chooseDownloader(
  type: string,
  config: Pick<BacalhauConfig['ResultDownloaders'], 'Disabled'>,
): DownloaderChoice {
  const key = type.toLowerCase();
  if (config.Disabled.some((disabled) => disabled.toLowerCase() === key)) {
    return {
      available: false,
      reason: `Downloading ${type} results is disabled by the configuration (ResultDownloaders.Disabled).`,
    };
  }
  if (key === StorageSource.IPFS) {
    return {
      available: false,
      reason:
        'Downloading ipfs results is not supported yet, whatever ResultDownloaders.Types.IPFS.Endpoint ' +
        'says: fetch the CIDs below with an IPFS client (ipfs get <CID>).',
    };
  }
  const downloader = httpDownloaders.get(key);
  return downloader === undefined ? { available: false } : { available: true, downloader };
}

function urlParamDownloader(param: string): ResultDownloader {
  return {
    // async: a missing parameter rejects like any other failure instead of throwing synchronously
    async fetch(result, directory, options) {
      return await fetchUrl(urlParam(result, param), directory, options);
    },
  };
}

/** The parameter `name` of `result`, matched case-insensitively as Go's mapstructure does. */
function urlParam(result: SpecConfig, name: string): string {
  const params = Object.entries(result.Params ?? {});
  const value = params.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  if (typeof value !== 'string' || value === '') {
    throw new BacalhauError(`the published ${result.Type} result has no ${name} parameter`, {
      code: ErrorCode.BadRequest,
    });
  }
  return value;
}
