/** The `URL` parameter of an inline input: the content, as a data URL (Go's `inline.Source`). */
import { StorageSource } from '../constants.js';
import type { InputSource } from '../input-source.js';
import { parseDataUrl, type DataUrl } from './data-url.js';
import { paramError } from './errors.js';
import { requiredStringParam, sourceParams } from './params.js';

/** The media type of an inline tar.gz archive (what the CLI makes of folders and larger files). */
export const GzipMediaType = 'application/gzip';

const urlHint = 'Give the content as an RFC 2397 data URL, e.g. "data:text/plain;base64,aGVsbG8=".';
/** Every gzip stream starts with these two bytes (RFC 1952). */
const GzipMagic = Buffer.from([0x1f, 0x8b]);

/**
 * The decoded content. `application/gzip` data is only checked to start like gzip: unpacking it is
 * the compute node's work, bounded by its limits.
 */
export function decodeInlineSource(input: InputSource): DataUrl {
  const url = requiredStringParam(sourceParams(input, [StorageSource.Inline]), 'URL', urlHint);
  const dataUrl = parseDataUrl(url);
  if (dataUrl.mediaType === GzipMediaType && !dataUrl.data.subarray(0, 2).equals(GzipMagic)) {
    throw notGzip();
  }
  return dataUrl;
}

export function notGzip(cause?: unknown): Error {
  return paramError('URL', `the ${GzipMediaType} data is not valid gzip`, {
    hint: 'Inline archives are tar files compressed with gzip (tar -czf); or let the bacalhau CLI inline the path.',
    ...(cause === undefined ? {} : { cause }),
  });
}
