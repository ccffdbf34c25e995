import { describe, expect, it } from 'vitest';
import { yamlText, YamlEncodingError } from './yaml-text.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

function refusal(input: Uint8Array): YamlEncodingError {
  try {
    yamlText(input);
  } catch (err) {
    if (err instanceof YamlEncodingError) return err;
    throw err;
  }
  throw new Error('expected yamlText to refuse');
}

describe('yamlText', () => {
  it('reads UTF-8, with or without a byte-order mark, multi-byte characters included', () => {
    expect(yamlText(bytes('Name: café 🐟\n'))).toBe('Name: café 🐟\n');
    expect(yamlText(bytes([0xef, 0xbb, 0xbf], 'Type: batch\n'))).toBe('Type: batch\n');
  });

  it('reads UTF-16 marked by its byte-order mark, as yaml.v3 does', () => {
    const text = 'Type: batch\nName: é\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect(yamlText(le)).toBe(text);
    expect(yamlText(be)).toBe(text);
  });

  it('refuses invalid UTF-8 naming the byte, its line and its column in characters', () => {
    const err = refusal(bytes('Type: batch\nName: "é', [0xff], '"\n'));
    expect(err.message).toBe('line 2, column 9: invalid UTF-8 (byte 0xff)');
    expect([err.line, err.column]).toEqual([2, 9]);
  });

  it('refuses overlong forms, surrogates, code points past U+10FFFF and a truncated last character', () => {
    expect(refusal(bytes('a', [0xc0, 0x80])).message).toBe('line 1, column 2: invalid UTF-8 (byte 0xc0)');
    expect(refusal(bytes('ab', [0xed, 0xa0, 0x80])).message).toBe(
      'line 1, column 3: invalid UTF-8 (byte 0xed)',
    );
    expect(refusal(bytes([0xf4, 0x90, 0x80, 0x80])).message).toBe(
      'line 1, column 1: invalid UTF-8 (byte 0xf4)',
    );
    expect(refusal(bytes('x\ny', [0xe2, 0x82])).message).toBe('line 2, column 2: invalid UTF-8 (byte 0xe2)');
  });

  it('refuses a NUL character, which is what UTF-16 without a byte-order mark looks like', () => {
    const err = refusal(Buffer.from('Type: batch\n', 'utf16le'));
    expect(err.message).toBe(
      'line 1, column 2: a NUL character, which YAML and JSON do not allow (UTF-16 without a byte-order mark?)',
    );
  });

  it('refuses UTF-16 with an unpaired surrogate, saying where', () => {
    const text = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('a: 1\nbc', 'utf16le'),
      Buffer.from([0x00, 0xd8, 0x41, 0x00]),
    ]);
    expect(refusal(text).message).toBe('line 2, column 3: invalid utf-16le text');
  });

  it("refuses UTF-32, whose little-endian mark starts like UTF-16LE's", () => {
    const le = Buffer.from([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]);
    expect(refusal(le).message).toBe('line 1, column 1: UTF-32 text, which YAML readers do not read');
    expect(refusal(Buffer.from([0, 0, 0xfe, 0xff])).message).toMatch(/UTF-32/u);
  });

  it('counts CR and CRLF as line breaks, as YAML does', () => {
    expect(refusal(bytes('a: 1\rb: 2\r\nc: ', [0xff])).message).toBe(
      'line 3, column 4: invalid UTF-8 (byte 0xff)',
    );
  });
});
