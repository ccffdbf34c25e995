/** The `URL` parameter of a urlDownload input (Go's `IsURLSupported`). */
import { StorageSource } from '../constants.js';
import { goInvalidUrlEscape } from '../go-compat.js';
import type { InputSource } from '../input-source.js';
import { paramError } from './errors.js';
import { requiredStringParam, sourceParams } from './params.js';

const hint = 'Give an http:// or https:// URL of a file, e.g. "https://example.com/data.csv".';

export function decodeUrl(input: InputSource): URL {
  const raw = requiredStringParam(sourceParams(input, [StorageSource.URL]), 'URL', hint);
  // Go trims quotes too: they survive shell quoting in `--input` flags.
  const text = raw.replace(/^[\s'"]+|[\s'"]+$/g, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw paramError('URL', `"${text}" is not a valid URL`, { hint });
  }
  // WHATWG URLs keep a malformed percent-escape as written, where Go's url.Parse refuses one anywhere
  // but in the query: the download would fail on every node (credentials cannot be decoded)
  const beforeQuery = text.split(/[?#]/)[0] ?? '';
  const fragment = text.includes('#') ? text.slice(text.indexOf('#') + 1) : '';
  const badEscape = goInvalidUrlEscape(beforeQuery) ?? goInvalidUrlEscape(fragment);
  if (badEscape !== undefined) {
    throw paramError('URL', `"${text}" is not a valid URL: invalid URL escape "${badEscape}"`, { hint });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw paramError('URL', `must begin with http:// or https://, got ${url.protocol}//`, { hint });
  }
  if (!/^https?:\/\/[^/?#]*\//i.test(text)) {
    throw paramError('URL', `"${text}" does not name a file`, { hint });
  }
  return url;
}
