import { describe, expect, it } from 'vitest';
import { parsePublisherSpec } from './publisher-spec.js';
import { parseStorageSpec } from './storage-spec.js';

const s3Params = (fields: Record<string, string>): Record<string, string> => ({
  Bucket: '',
  Key: '',
  Filter: '',
  Region: '',
  Endpoint: '',
  VersionID: '',
  ChecksumSHA256: '',
  ...fields,
});

describe('-i/--input as Bacalhau parses it', () => {
  it('ipfs://CID, at /inputs or at :target', () => {
    expect(parseStorageSpec('ipfs://QmA', '/inputs')).toEqual({
      Source: { Type: 'ipfs', Params: { CID: 'QmA' } },
      Alias: 'ipfs://QmA',
      Target: '/inputs',
    });
    expect(parseStorageSpec('ipfs://QmA:/data', '/inputs').Target).toBe('/data');
  });

  it('s3 with src=, dst= and options', () => {
    expect(
      parseStorageSpec(
        'src=s3://bucket/dir/*,dst=/in,opt=region=eu-west-1,opt=endpoint=http://s3:9000',
        '/inputs',
      ),
    ).toEqual({
      Source: {
        Type: 's3',
        Params: s3Params({ Bucket: 'bucket', Key: 'dir/*', Region: 'eu-west-1', Endpoint: 'http://s3:9000' }),
      },
      Alias: 's3://bucket/dir/*',
      Target: '/in',
    });
    expect(() => parseStorageSpec('s3://b/k,opt=colour=red', '/inputs')).toThrow(
      'unknown option "colour" for storage s3',
    );
  });

  it('http(s) URLs become urlDownload; the simple form splits at the last colon, as in Go', () => {
    expect(parseStorageSpec('https://example.com/a.csv', '/inputs').Source).toEqual({
      Type: 'urlDownload',
      Params: { URL: 'https://example.com/a.csv' },
    });
    const targeted = parseStorageSpec('https://example.com/a.csv:/data', '/inputs');
    expect([targeted.Source.Params['URL'], targeted.Target]).toEqual(['https://example.com/a.csv', '/data']);
    // A port reads as a target (source `https://example.com`, which has no file name): use src=.
    expect(() => parseStorageSpec('https://example.com:8080/a.csv', '/inputs')).toThrow(
      'URL must end with a file name (the target is what follows the last colon, here the port: ' +
        'give a URL with a port as src=URL,dst=PATH)',
    );
    expect(parseStorageSpec('src=https://example.com:8080/a.csv', '/inputs').Source.Params['URL']).toBe(
      'https://example.com:8080/a.csv',
    );
  });

  it('file:// is a local source, read-only unless opt=rw=true', () => {
    expect(parseStorageSpec('file:///data/x,dst=/x', '/inputs').Source).toEqual({
      Type: 'local',
      Params: { SourcePath: '/data/x', ReadWrite: false, CreateAs: '' },
    });
    expect(parseStorageSpec('file:///data/x,opt=rw=true', '/inputs').Source.Params['ReadWrite']).toBe(true);
    expect(() => parseStorageSpec('file:///d,opt=rw=maybe', '/inputs')).toThrow(
      'failed to parse read-write option: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
  });

  it("refuses what Go refuses, with Go's words", () => {
    expect(() => parseStorageSpec('foo://x', '/inputs')).toThrow('unknown storage schema: foo');
    expect(() => parseStorageSpec('git://x/y', '/inputs')).toThrow('unsupported type: git');
    expect(() => parseStorageSpec('ipfs://QmA,/x', '/inputs')).toThrow(
      'invalid storage option: /x. Must be a key=value pair',
    );
    expect(() => parseStorageSpec('ipfs://QmA,size=1', '/inputs')).toThrow(
      'unexpected key size in field size=1',
    );
    expect(() => parseStorageSpec('ipfs://', '/inputs')).toThrow('cid cannot be empty');
    expect(() => parseStorageSpec('a"b', '/inputs')).toThrow('bare " in non-quoted field');
  });

  it('reads CSV quoting', () => {
    expect(parseStorageSpec('"src=s3://b/a,b",dst=/x', '/inputs').Source.Params['Key']).toBe('a,b');
  });
});

describe('-p/--publisher as Bacalhau parses it', () => {
  it('types and URIs', () => {
    expect(parsePublisherSpec('local')).toEqual({ Type: 'local', Params: {} });
    expect(parsePublisherSpec('ipfs')).toEqual({ Type: 'ipfs', Params: {} });
    expect(parsePublisherSpec('s3://bucket/results/{jobID},opt=region=us-east-1')).toEqual({
      Type: 's3',
      Params: { bucket: 'bucket', key: 'results/{jobID}', region: 'us-east-1' },
    });
    expect(parsePublisherSpec('target=s3://b/k,opt=key=other').Params).toEqual({ bucket: 'b', key: 'other' });
    expect(() => parsePublisherSpec('noop')).toThrow('unknown publisher type: noop');
    expect(() => parsePublisherSpec('local,verbose=1')).toThrow('invalid publisher option: verbose=1');
  });
});

describe("hosts Go's url.Parse refuses", () => {
  // net/url: a host holds only letters, digits, escapes and -._~!$&'()*+,;=:[]<>" (shouldEscape in
  // host mode); a space is `invalid character " " in host name`, so Bacalhau refuses these flags
  it('-i refuses a CID or bucket with a space or a brace in it', () => {
    expect(() => parseStorageSpec('ipfs://Qm X', '/inputs')).toThrow(
      'parse "ipfs://Qm X": invalid character " " in host name',
    );
    expect(() => parseStorageSpec('s3://my{bucket}/key', '/inputs')).toThrow(
      'parse "s3://my{bucket}/key": invalid character "{" in host name',
    );
  });

  it('-p refuses an S3 bucket with a space in it', () => {
    expect(() => parsePublisherSpec('s3://my bucket/key')).toThrow(
      'parse "s3://my bucket/key": invalid character " " in host name',
    );
  });

  it('takes the characters Go takes in a host', () => {
    expect(parseStorageSpec("s3://a-b.c_d~!$&'()*+;/key", '/inputs')).toMatchObject({
      Source: { Params: { Bucket: "a-b.c_d~!$&'()*+;" } },
    });
  });
});
