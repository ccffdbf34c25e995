/**
 * Bacalhau's paging token (`pkg/models/paging_token.go`): base64 RawURL (no padding) of
 * `"<SortBy>:<Y|N>:<Limit>:<Offset>"`. Job lists carry the sort order, direction and page size in it so
 * that following pages stay in the same order; history cursors use it with an empty sort.
 *
 * Not in Bacalhau: a job list's token ends with a fifth part, `:<AddedUpTo>`, the store's mark of the
 * jobs it held when the first page was read. Later pages leave out the jobs added since, which in
 * Bacalhau take places among those listed (newest first, by ID) and push listed ones into the next
 * page again. Clients pass tokens back unchanged; four-part tokens are read as before.
 * Browser-safe: no `node:*` imports.
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { base64Decode, base64Encode } from './base64.js';

export interface PagingToken {
  sortBy: string;
  sortReverse: boolean;
  /** uint32 in Go. */
  limit: number;
  /** Parsed as a uint32 by Go (a quirk kept: larger offsets do not round-trip). */
  offset: number;
  /** The job list's mark (see above); absent from Bacalhau's tokens. */
  addedUpTo?: number;
}

const maxUint32 = 2 ** 32 - 1;

export function encodePagingToken(token: PagingToken): string {
  const parts = [token.sortBy, token.sortReverse ? 'Y' : 'N', String(token.limit), String(token.offset)];
  if (token.addedUpTo !== undefined) parts.push(String(token.addedUpTo));
  return base64Encode(new TextEncoder().encode(parts.join(':')), 'rawurl');
}

/**
 * Go's `NewPagingTokenFromString`. Errors carry Go's text (`errors.Wrap` puts the reason first):
 * `failed to decode paging token: invalid paging token: <s>`, `invalid number of parts: …`,
 * `malformed token: …`; code BadRequest (400). A job list's mark is read unless `marked` is false
 * (history cursors, which have four parts as in Bacalhau).
 */
export function decodePagingToken(text: string, { marked = true } = {}): PagingToken {
  const bytes = base64RawUrlDecode(text);
  if (bytes === undefined) throw invalidPagingToken(text, 'failed to decode paging token');
  const parts = new TextDecoder().decode(bytes).split(':');
  if (parts.length !== 4 && !(marked && parts.length === 5)) {
    throw invalidPagingToken(text, 'invalid number of parts');
  }
  const [sortBy = '', reverse = '', limit = '', offset = '', addedUpTo] = parts;
  const parsedLimit = parseUint(limit, maxUint32);
  const parsedOffset = parseUint(offset, maxUint32);
  const parsedMark = addedUpTo === undefined ? undefined : parseUint(addedUpTo, Number.MAX_SAFE_INTEGER);
  if (
    parsedLimit === undefined ||
    parsedOffset === undefined ||
    (addedUpTo !== undefined && parsedMark === undefined)
  )
    throw invalidPagingToken(text, 'malformed token');
  const token: PagingToken = {
    sortBy,
    sortReverse: reverse === 'Y',
    limit: parsedLimit,
    offset: parsedOffset,
  };
  if (parsedMark !== undefined) token.addedUpTo = parsedMark;
  return token;
}

/** How much of a bad token an error quotes: the client has it whole, and the query may hold 1 MB. */
const maxQuotedToken = 200;

function invalidPagingToken(text: string, reason: string): BacalhauError {
  const quoted = text.length > maxQuotedToken ? `${text.slice(0, maxQuotedToken)}…` : text;
  return new BacalhauError(`${reason}: invalid paging token: ${quoted}`, {
    code: ErrorCode.BadRequest,
    component: 'APIServer',
    hint: 'Use the NextToken of a previous response unchanged, or leave it out to start from the beginning',
  });
}

/** `strconv.ParseUint(s, 10, 32)` for `max` 2^32 − 1: decimal digits only, no sign, at most `max`. */
function parseUint(s: string, max: number): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/** Go's `base64.RawURLEncoding.DecodeString`; undefined when invalid. */
function base64RawUrlDecode(text: string): Uint8Array | undefined {
  try {
    return base64Decode(text, 'rawurl');
  } catch {
    return undefined;
  }
}
