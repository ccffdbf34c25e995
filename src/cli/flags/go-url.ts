/**
 * The parts of Go's `net/url.Parse` that Bacalhau's `-i`/`-p` flag parsers look at (scheme, host, path),
 * with its errors (`parse "<url>": <reason>`), so that specs are read, accepted and refused as Go does.
 * User info, queries and fragments are split off but not kept.
 */
import { InvalidArgumentError } from 'commander';
import { goInvalidUrlEscape } from '../../models/go-compat.js';

export interface GoUrl {
  /** Lower-cased, '' when absent. */
  readonly scheme: string;
  readonly host: string;
  /** Unescaped path ('' for an opaque URL such as `s3:bucket`). */
  readonly path: string;
}

function urlError(raw: string, reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`parse ${JSON.stringify(raw)}: ${reason}`);
}

/** Go's `url.PathUnescape` rules for one component. */
function unescape(raw: string, component: string): string {
  const bad = goInvalidUrlEscape(component);
  if (bad !== undefined) throw urlError(raw, `invalid URL escape ${JSON.stringify(bad)}`);
  try {
    return decodeURIComponent(component);
  } catch {
    // Percent-escapes that are not UTF-8: Go keeps the bytes; a JS string cannot, so keep the text.
    return component;
  }
}

/** The scheme, or '' when the text does not start with one (Go's `getScheme`). */
function schemeOf(raw: string, text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return '';
      continue;
    }
    if (c === ':') {
      if (i === 0) throw urlError(raw, 'missing protocol scheme');
      return text.slice(0, i);
    }
    return '';
  }
  return '';
}

export function parseGoUrl(raw: string): GoUrl {
  // eslint-disable-next-line no-control-regex -- Go refuses ASCII control bytes anywhere in a URL
  if (/[\x00-\x1f\x7f]/.test(raw)) throw urlError(raw, 'net/url: invalid control character in URL');
  let rest = raw.split('#')[0] ?? '';
  const scheme = schemeOf(raw, rest).toLowerCase();
  rest = rest.slice(scheme === '' ? 0 : scheme.length + 1);
  rest = rest.split('?')[0] ?? '';
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { scheme, host: '', path: '' };
    const segment = rest.split('/')[0] ?? '';
    if (segment.includes(':')) throw urlError(raw, 'first path segment in URL cannot contain colon');
    return { scheme, host: '', path: unescape(raw, rest) };
  }
  let host = '';
  if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    const colon = host.lastIndexOf(':');
    if (!host.startsWith('[') && colon >= 0 && !/^:\d*$/.test(host.slice(colon))) {
      throw urlError(raw, `invalid port ${JSON.stringify(host.slice(colon))} after host`);
    }
    // Go's unescape in host mode: besides letters, digits and escapes, only these ASCII characters
    const bad = /[^A-Za-z0-9%\-._~!$&'()*+,;=:[\]<>"\u0080-\uffff]/.exec(host);
    if (bad !== null) throw urlError(raw, `invalid character ${JSON.stringify(bad[0])} in host name`);
    host = unescape(raw, host);
  }
  return { scheme, host, path: unescape(raw, rest) };
}
