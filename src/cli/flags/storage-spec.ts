/**
 * `-i/--input` values as Bacalhau's `opts.ParseStorageSpec` reads them: either `URI[:TARGET]` or
 * comma-separated `src=URI`, `dst=TARGET`, `opt=key=value` fields (CSV quoting allowed). The URI's
 * scheme picks the storage: `ipfs://CID`, `http(s)://…` (urlDownload), `s3://bucket/key` (options
 * endpoint, region, version-id, checksum-256, filter), `file://path` (local; option rw). Params carry
 * every field of Go's source struct, empty ones included, as Go's `structs.Map` does.
 */
import { InvalidArgumentError } from 'commander';
import { StorageSource } from '../../models/constants.js';
import { csvFields } from './csv.js';
import { parseGoUrl } from './go-url.js';

/** An input source in Go's wire shape. */
export interface InputSourceWire {
  Source: { Type: string; Params: Record<string, unknown> };
  Alias: string;
  Target: string;
}

export const DefaultInputTarget = '/inputs';

const fail = (message: string): never => {
  throw new InvalidArgumentError(message);
};

/**
 * Parses one spec. In the `URI:TARGET` form the target follows the last colon after the scheme — as in
 * Go, so `https://host:8080/file` reads as source `https://host`, target `8080/file`; use `src=,dst=`.
 */
export function parseStorageSpec(value: string, defaultTarget: string): InputSourceWire {
  let source = '';
  let target = defaultTarget;
  /** The simple form split off what looks like a port (`host:8080/file`) as the target. */
  let portAsTarget = false;
  const options = new Map<string, string>();
  csvFields(value).forEach((field, i) => {
    const eq = field.indexOf('=');
    if (eq < 0) {
      if (i !== 0) fail(`invalid storage option: ${field}. Must be a key=value pair`);
      const { scheme } = parseGoUrl(field);
      const rest = field.startsWith(`${scheme}://`) ? field.slice(scheme.length + 3) : field;
      const colon = rest.lastIndexOf(':');
      source = colon < 0 ? field : `${scheme}://${rest.slice(0, colon)}`;
      if (colon >= 0) target = rest.slice(colon + 1);
      portAsTarget = colon >= 0 && /^\d+(\/|$)/.test(target);
      return;
    }
    const key = field.slice(0, eq).toLowerCase();
    const val = field.slice(eq + 1);
    if (key === 'source' || key === 'src') source = val;
    else if (key === 'target' || key === 'dst' || key === 'destination') target = val;
    else if (key === 'opt' || key === 'option') {
      const [k = '', ...v] = val.split('=');
      if (k !== '') options.set(k, v.join('='));
    } else fail(`unexpected key ${key} in field ${field}`);
  });
  try {
    return storageFromUri(source, target, source, options);
  } catch (err) {
    if (!portAsTarget || !(err instanceof InvalidArgumentError)) throw err;
    return fail(
      `${err.message} (the target is what follows the last colon, here the port: ` +
        `give a URL with a port as src=URL,dst=PATH)`,
    );
  }
}

const trimQuotes = (s: string): string => s.replace(/^[ '"]+|[ '"]+$/g, '');

function storageFromUri(
  rawSource: string,
  rawTarget: string,
  alias: string,
  options: ReadonlyMap<string, string>,
): InputSourceWire {
  const uri = trimQuotes(rawSource);
  const url = parseGoUrl(uri);
  const spec = (Type: string, Params: Record<string, unknown>): InputSourceWire => ({
    Source: { Type, Params },
    Alias: alias,
    Target: trimQuotes(rawTarget),
  });
  switch (url.scheme) {
    case 'ipfs':
      if (url.host === '') fail('creating ipfs spec config: invalid ipfs params. cid cannot be empty');
      return spec(StorageSource.IPFS, { CID: url.host });
    case 'http':
    case 'https':
      checkDownloadUrl(uri);
      return spec(StorageSource.URL, { URL: uri });
    case 's3':
      return spec(StorageSource.S3, s3Params(url.host, url.path.replace(/^\/+/, ''), options));
    case 'file':
      return spec(StorageSource.Local, {
        SourcePath: joinPath(url.host, url.path),
        ReadWrite: readWriteOption(options),
        CreateAs: '',
      });
    case 'git':
    case 'gitlfs':
      return fail(`unsupported type: ${url.scheme}`);
    default:
      return fail(`unknown storage schema: ${url.scheme}`);
  }
}

/** urlDownload's `IsURLSupported`: the URL must have a path (Go accepts a bare `/`). */
function checkDownloadUrl(uri: string): void {
  if (parseGoUrl(uri).path === '') {
    fail('creating urlDownload storage spec: invalid url storage params: URL must end with a file name');
  }
}

const s3OptionFields: Record<string, string> = {
  endpoint: 'Endpoint',
  region: 'Region',
  versionID: 'VersionID',
  'version-id': 'VersionID',
  version_id: 'VersionID',
  'checksum-256': 'ChecksumSHA256',
  checksum256: 'ChecksumSHA256',
  checksum_256: 'ChecksumSHA256',
  filter: 'Filter',
};

function s3Params(
  bucket: string,
  key: string,
  options: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const params: Record<string, string> = {
    Bucket: bucket,
    Key: key,
    Filter: '',
    Region: '',
    Endpoint: '',
    VersionID: '',
    ChecksumSHA256: '',
  };
  for (const [name, value] of options) {
    const field = s3OptionFields[name];
    if (field === undefined) fail(`unknown option ${JSON.stringify(name)} for storage s3`);
    else params[field] = value;
    // Go checks the bucket only while applying options, so `s3:///key` without options passes.
    if (bucket === '') fail('invalid s3 storage params: bucket cannot be empty');
  }
  return params;
}

const goTrue = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const goFalse = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function readWriteOption(options: ReadonlyMap<string, string>): boolean {
  let rw = false;
  for (const [name, value] of options) {
    if (!['rw', 'read-write', 'read_write', 'readwrite'].includes(name)) fail(`unknown option ${name}`);
    if (!goTrue.has(value) && !goFalse.has(value)) {
      fail(
        `failed to parse read-write option: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
      );
    }
    rw = goTrue.has(value);
  }
  return rw;
}

/** Go's `filepath.Join(host, path)`: joined with one slash, cleaned, '' when both are empty. */
function joinPath(host: string, path: string): string {
  const joined = [host, path].filter((p) => p !== '').join('/');
  if (joined === '') return '';
  const absolute = joined.startsWith('/');
  const parts: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  const cleaned = (absolute ? '/' : '') + parts.join('/');
  return cleaned === '' ? '.' : cleaned;
}
