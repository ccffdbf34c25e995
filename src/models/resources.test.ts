import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from './bacerrors.js';
import {
  goCompareStrings,
  goFormatFixed,
  goFormatInt,
  goParseFloat,
  goParseInt,
  goQuote,
  goToLower,
  goTrimSpace,
} from './go-compat.js';
import {
  add,
  copyResources,
  formatResources,
  gpuLess,
  humanizeBytes,
  humanizeIBytes,
  isZero,
  lessThan,
  lessThanEq,
  max,
  merge,
  multiply,
  normalizeResourcesConfig,
  parseBytes,
  parseCpu,
  parseGpu,
  sub,
  sumResources,
  toResources,
  validateResources,
  validateResourcesConfig,
  zeroResources,
  type GPU,
  type Resources,
} from './resources.js';

function thrown(f: () => unknown): BacalhauError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(BacalhauError);
    return err as BacalhauError;
  }
  throw new Error('expected an error');
}

const res = (CPU: number, Memory: number, Disk: number, GPU: number, GPUs?: GPU[]): Resources =>
  GPUs === undefined ? { CPU, Memory, Disk, GPU } : { CPU, Memory, Disk, GPU, GPUs };

const gpu = (Index: number, Name = 'Tesla T4'): GPU => ({
  Index,
  Name,
  Vendor: 'NVIDIA',
  Memory: 15360,
  PCIAddress: `0000:00:0${Index}.0`,
});

describe('normalizeResourcesConfig', () => {
  it('lower-cases and removes spaces and newlines only', () => {
    expect(
      normalizeResourcesConfig({ CPU: ' 500 M ', Memory: '1 G\nB', Disk: '\t2GB\r', GPU: ' 1 ' }),
    ).toEqual({
      CPU: '500m',
      Memory: '1gb',
      Disk: '\t2gb\r',
      GPU: '1',
    });
  });
  it('keeps absent fields absent and empty fields empty', () => {
    expect(normalizeResourcesConfig({})).toEqual({});
    expect(normalizeResourcesConfig({ CPU: '   ' })).toEqual({ CPU: '' });
  });
  it('does not mutate its argument', () => {
    const rc = { CPU: '1 M' };
    normalizeResourcesConfig(rc);
    expect(rc).toEqual({ CPU: '1 M' });
  });
});

describe('parseCpu (k8sresource NewCPUFromString)', () => {
  it.each([
    ['1', 1],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1.', 1],
    ['500m', 0.5],
    ['1500m', 1.5],
    ['0500m', 0.5],
    ['+5m', 0.005],
    ['-500m', -0.5],
    ['0m', 0],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['2.5e+1', 25],
    ['1_000', 1000],
    ['0x1p-2', 0.25],
    ['0X1.8P1', 3],
    ['0.0005', 0], // truncated to whole millicores
    ['0.0019', 0.001],
    ['-1', -1],
    ['-0.0001', 0],
    ['+2', 2],
    ['1e-400', 0],
    ['9223372036854775807m', Number(9223372036854775807n) / 1000],
  ])('%j is %d cores', (input, cores) => {
    expect(parseCpu(input)).toBe(cores);
  });

  it('never returns negative zero', () => {
    expect(Object.is(parseCpu('-0.0001'), 0)).toBe(true);
    expect(Object.is(parseCpu('-0m'), 0)).toBe(true);
  });

  it.each([
    '',
    'm',
    '2k',
    '1Gi',
    '500M', // upper-case M is not millicores; normalisation lower-cases it first
    '0.5m',
    '1.5m',
    '5mm',
    'abc',
    '1 ',
    ' 1',
    '1,5',
    '--1',
    '1e',
    '1e+',
    'e5',
    '.',
    '1.2.3',
    '_1',
    '1_',
    '1__0',
    '1_.5',
    '0x10', // hex floats need a p exponent
    '0xp1',
    'inf',
    '-Infinity',
    'nan',
    '1e400',
    '1e300', // beyond int64 millicores: deliberate fix (Go amd64 turns it negative)
    '9223372036854775808m',
    '1_000m',
  ])('%j is invalid', (input) => {
    const err = thrown(() => parseCpu(input));
    expect(err.message).toBe(`invalid CPU value: ${input}`);
    expect(err.code).toBe(ErrorCode.ValidationError);
  });
});

describe('parseBytes (go-humanize ParseBytes)', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['1024', 1024],
    ['42MB', 42_000_000],
    ['42MiB', 44_040_192],
    ['42mb', 42_000_000],
    ['42mib', 44_040_192],
    ['42 MB', 42_000_000],
    ['42 mib', 44_040_192],
    ['512Mb', 512_000_000],
    ['512mb', 512_000_000],
    ['1.5gb', 1_500_000_000],
    ['1.5GB', 1_500_000_000],
    ['1Gi', 1_073_741_824],
    ['1gib', 1_073_741_824],
    ['1G', 1_000_000_000],
    ['1k', 1000],
    ['1kb', 1000],
    ['1ki', 1024],
    ['1KiB', 1024],
    ['2t', 2e12],
    ['2ti', 2 * 1024 ** 4],
    ['1p', 1e15],
    ['1pib', 1024 ** 5],
    ['1e', 1e18],
    ['1eb', 1e18],
    ['1ei', 1024 ** 6],
    ['10b', 10],
    ['10B', 10],
    ['1.', 1],
    ['.5k', 500],
    ['1,000', 1000],
    ['1,000,000 kB', 1e9],
    [',5', 5],
    ['1.9999', 1], // truncated
    ['0.5', 0],
    ['1 \t kb \n', 1000],
    ['18000pb', 18e18],
  ])('%j is %d bytes', (input, bytes) => {
    expect(parseBytes(input)).toBe(bytes);
  });

  it.each([
    ['', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['abc', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['-1', 'strconv.ParseFloat: parsing "": invalid syntax'],
    [' 1', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['.', 'strconv.ParseFloat: parsing ".": invalid syntax'],
    ['1.2.3', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    ['1e3', 'unhandled size name: e3'],
    ['1kbb', 'unhandled size name: kbb'],
    ['1 bytes', 'unhandled size name: bytes'],
    ['1mbi', 'unhandled size name: mbi'],
    ['1ib', 'unhandled size name: ib'],
    ['1zb', 'unhandled size name: zb'],
    ['18446744073709551616', 'too large: 18446744073709551616'],
    ['20eb', 'too large: 20eb'],
  ])('%j is invalid: %s', (input, message) => {
    const err = thrown(() => parseBytes(input));
    expect(err.message).toBe(message);
    expect(err.code).toBe(ErrorCode.ValidationError);
  });

  it('rejects non-ASCII digits (Go slices them mid-character)', () => {
    expect(() => parseBytes('1\u0663')).toThrow(BacalhauError);
    expect(() => parseBytes('\u0661kb')).toThrow(BacalhauError);
  });
});

describe('parseGpu (strconv.ParseUint base 10)', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['007', 7],
    ['18446744073709551615', 2 ** 64],
  ])('%j is %d', (input, n) => {
    expect(parseGpu(input)).toBe(n);
  });
  it.each(['', '-1', '+1', '1.5', '1e2', '1_0', 'one', ' 1', '0x1', '18446744073709551616'])(
    '%j is invalid',
    (input) => {
      expect(thrown(() => parseGpu(input)).message).toBe(`invalid GPU value: ${input}`);
    },
  );
});

describe('validateResourcesConfig', () => {
  it.each<[string, Parameters<typeof validateResourcesConfig>[0], string[]]>([
    ['empty config', {}, []],
    ['empty strings', { CPU: '', Memory: '', Disk: '', GPU: '' }, []],
    ['blank strings (normalised away)', { CPU: '  ', Memory: '\n' }, []],
    ['valid values', { CPU: '500m', Memory: '512Mb', Disk: '1 GiB', GPU: '1' }, []],
    ['bad CPU, shown normalised', { CPU: '1 X' }, ['invalid CPU value: 1x']],
    ['bad memory', { Memory: '12 parsecs' }, ['invalid memory value: 12parsecs']],
    ['bad disk', { Disk: '-1gb' }, ['invalid disk value: -1gb']],
    ['bad GPU', { GPU: '1.5' }, ['invalid GPU value: 1.5']],
    [
      'every bad field, in order',
      { CPU: 'x', Memory: 'y', Disk: 'z', GPU: 'w' },
      ['invalid CPU value: x', 'invalid memory value: y', 'invalid disk value: z', 'invalid GPU value: w'],
    ],
    ['negative CPU', { CPU: '-1' }, ['invalid CPU value: -1.000000']],
    ['negative millicores', { CPU: '-500m' }, ['invalid CPU value: -0.500000']],
    ['500M means millicores after normalisation', { CPU: '500M' }, []],
    ['tabs are not removed', { Memory: '1\tgb' }, []],
    ['\\r is not removed', { Memory: '1gb\r' }, []],
  ])('%s', (_name, rc, problems) => {
    expect(validateResourcesConfig(rc)).toEqual(problems);
  });

  it('treats an absent config and unchecked nulls from decoded JSON as empty (Go zero values)', () => {
    expect(validateResourcesConfig(null)).toEqual([]);
    expect(validateResourcesConfig(undefined)).toEqual([]);
    const withNulls = JSON.parse('{"CPU":null,"Memory":"1gb","GPU":null}') as Parameters<
      typeof toResources
    >[0];
    expect(validateResourcesConfig(withNulls)).toEqual([]);
    expect(toResources(withNulls)).toEqual({ CPU: 0, Memory: 1e9, Disk: 0, GPU: 0 });
    expect(normalizeResourcesConfig(withNulls)).toEqual({ Memory: '1gb' });
  });

  it('parse problems hide the Resources.Validate problems', () => {
    expect(validateResourcesConfig({ CPU: '-1', Memory: 'x' })).toEqual(['invalid memory value: x']);
  });
});

describe('toResources', () => {
  it('parses every field after normalising', () => {
    expect(toResources({ CPU: '500m', Memory: '512Mb', Disk: '1 GiB', GPU: '2' })).toEqual({
      CPU: 0.5,
      Memory: 512_000_000,
      Disk: 1_073_741_824,
      GPU: 2,
    });
  });
  it('gives zero resources for an empty config', () => {
    expect(toResources({})).toEqual(zeroResources());
  });
  it('accepts a negative CPU (only validation refuses it)', () => {
    expect(toResources({ CPU: '-2' }).CPU).toBe(-2);
  });
  it('throws a ValidationError listing every bad field', () => {
    const err = thrown(() => toResources({ CPU: 'lots', GPU: 'some' }));
    expect(err.code).toBe(ErrorCode.ValidationError);
    expect(err.message).toBe('invalid CPU value: lots\ninvalid GPU value: some');
  });
  it('agrees with validateResourcesConfig', () => {
    for (const rc of [{ CPU: '2k' }, { Memory: '1e3' }, { Disk: '1.5tb' }, { GPU: '-1' }, { CPU: '0x1p4' }]) {
      const problems = validateResourcesConfig(rc);
      if (problems.length === 0) expect(() => toResources(rc)).not.toThrow();
      else expect(thrown(() => toResources(rc)).message).toBe(problems.join('\n'));
    }
  });
});

describe('validateResources', () => {
  it.each<[string, Resources, string[]]>([
    ['zero', res(0, 0, 0, 0), []],
    ['positive', res(2, 1, 1, 1, [gpu(0)]), []],
    ['negative CPU', res(-0.5, 0, 0, 0), ['invalid CPU value: -0.500000']],
    ['fewer details than GPUs', res(1, 0, 0, 2, [gpu(0)]), []],
    [
      'more details than GPUs',
      res(1, 0, 0, 1, [gpu(0), gpu(1)]),
      ['1 GPUs specified but have details for 2'],
    ],
    [
      'both',
      res(-1, 0, 0, 0, [gpu(0)]),
      ['invalid CPU value: -1.000000', '0 GPUs specified but have details for 1'],
    ],
  ])('%s', (_name, r, problems) => {
    expect(validateResources(r)).toEqual(problems);
  });
});

describe('arithmetic', () => {
  const a = res(2, 1000, 5000, 1, [gpu(0)]);
  const b = res(0.5, 400, 6000, 0, [gpu(1)]);

  it('add sums every field and concatenates GPU details', () => {
    expect(add(a, b)).toEqual(res(2.5, 1400, 11000, 1, [gpu(0), gpu(1)]));
    expect(add(zeroResources(), zeroResources())).toEqual(zeroResources());
  });

  it('sub clamps each field at zero and keeps GPUs not subtracted', () => {
    expect(sub(a, b)).toEqual(res(1.5, 600, 0, 1, [gpu(0)]));
    expect(sub(a, a)).toEqual(res(0, 0, 0, 0));
    expect(sub(res(0.3, 0, 0, 0), res(0.1, 0, 0, 0)).CPU).toBe(0.2); // 0.19999999999999998 in Go
  });

  it('counts cores to the nanocore, so that what is added and taken back leaves nothing in use', () => {
    const parts = [0.2, 0.4, 0.3].map((cpu) => res(cpu, 0, 0, 0));
    const used = parts.reduce(add, zeroResources());
    expect(used.CPU).toBe(0.9);
    expect(parts.reduce(sub, used).CPU).toBe(0);
    expect(add(res(0.1, 0, 0, 0), res(0.2, 0, 0, 0)).CPU).toBe(0.3);
  });

  it('multiply scales and truncates integers, drops GPU details, never goes negative', () => {
    expect(multiply(res(1, 1001, 3, 3, [gpu(0)]), 1.5)).toEqual(res(1.5, 1501, 4, 4));
    expect(multiply(res(1, 10, 10, 1), -1)).toEqual(res(-1, 0, 0, 0));
  });

  it('merge fills zero fields (and non-positive CPU) from the defaults', () => {
    const defaults = res(0.1, 100 * 1024 * 1024, 0, 0, [gpu(3)]);
    expect(merge(res(0, 0, 7, 0), defaults)).toEqual(res(0.1, 104_857_600, 7, 0, [gpu(3)]));
    expect(merge(res(-1, 5, 0, 2, [gpu(0)]), defaults)).toEqual(res(0.1, 5, 0, 2, [gpu(0)]));
    expect(merge(res(2, 5, 6, 1), defaults)).toEqual(res(2, 5, 6, 1, [gpu(3)]));
  });

  it('max takes the larger of each field and the GPU details of the first', () => {
    expect(max(a, b)).toEqual(res(2, 1000, 6000, 1, [gpu(0)]));
    expect(max(b, a)).toEqual(res(2, 1000, 6000, 1, [gpu(1)]));
  });

  it('lessThanEq and lessThan compare all four dimensions', () => {
    const cap = res(4, 8e9, 1e11, 1);
    expect(lessThanEq(res(4, 8e9, 1e11, 1), cap)).toBe(true);
    expect(lessThanEq(res(0.5, 512e6, 0, 0), cap)).toBe(true);
    expect(lessThanEq(res(4.01, 0, 0, 0), cap)).toBe(false);
    expect(lessThanEq(res(0, 8e9 + 1, 0, 0), cap)).toBe(false);
    expect(lessThanEq(res(0, 0, 1e11 + 1, 0), cap)).toBe(false);
    expect(lessThanEq(res(0, 0, 0, 2), cap)).toBe(false);
    expect(lessThan(res(3, 1, 1, 0), cap)).toBe(true);
    expect(lessThan(res(4, 1, 1, 0), cap)).toBe(false);
    expect(lessThan(res(3, 1, 1, 1), cap)).toBe(false);
  });

  it('isZero ignores GPU details', () => {
    expect(isZero(zeroResources())).toBe(true);
    expect(isZero(res(0, 0, 0, 0, [gpu(0)]))).toBe(true);
    expect(isZero(res(0, 0, 1, 0))).toBe(false);
  });

  it('sumResources adds a list', () => {
    expect(sumResources([])).toEqual(zeroResources());
    expect(sumResources([a, b, a])).toEqual(res(4.5, 2400, 16000, 2, [gpu(0), gpu(1), gpu(0)]));
  });

  it('never mutates its arguments', () => {
    const before = JSON.stringify([a, b]);
    add(a, b);
    sub(a, b);
    merge(a, b);
    max(a, b);
    multiply(a, 2);
    expect(JSON.stringify([a, b])).toBe(before);
    const copy = copyResources(a);
    copy.GPUs?.push(gpu(9));
    expect(a.GPUs).toHaveLength(1);
  });

  it('gpuLess orders by Index, Name, Vendor, Memory, PCIAddress', () => {
    expect(gpuLess(gpu(0), gpu(1))).toBe(true);
    expect(gpuLess(gpu(1), gpu(0))).toBe(false);
    expect(gpuLess(gpu(0, 'A'), gpu(0, 'B'))).toBe(true);
    expect(gpuLess({ ...gpu(0), Vendor: 'AMD/ATI' }, gpu(0))).toBe(true);
    expect(gpuLess({ ...gpu(0), Memory: 1 }, gpu(0))).toBe(true);
    expect(gpuLess(gpu(0), gpu(0))).toBe(false);
  });
});

describe('formatResources (Resources.String) and humanize', () => {
  it('formats like Go', () => {
    expect(formatResources(res(0.5, 512_000_000, 0, 0))).toBe(
      '{CPU: 0.50, Memory: 512 MB, Disk: 0 B, GPU: 0}',
    );
    expect(formatResources(res(8, 16 * 1024 ** 3, 1e12, 2))).toBe(
      '{CPU: 8.00, Memory: 17 GB, Disk: 1.0 TB, GPU: 2}',
    );
    expect(formatResources(res(0.125, 104_857_600, 9, 0))).toBe(
      '{CPU: 0.12, Memory: 105 MB, Disk: 9 B, GPU: 0}',
    );
  });

  it.each([
    [0, '0 B', '0 B'],
    [9, '9 B', '9 B'],
    [10, '10 B', '10 B'],
    [999, '999 B', '999 B'],
    [1000, '1.0 kB', '1000 B'],
    [1024, '1.0 kB', '1.0 KiB'],
    [1500, '1.5 kB', '1.5 KiB'],
    [82_854_982, '83 MB', '79 MiB'],
    [100_500_000, '100 MB', '96 MiB'], // 100.5 rounds half to even
    [999_960, '1000 kB', '976 KiB'], // 976.5 KiB: a tie, rounded to even
    [1_073_741_824, '1.1 GB', '1.0 GiB'],
    [2 ** 64 - 1, '18 EB', '16 EiB'],
  ])('%d bytes: %s / %s', (bytes, si, iec) => {
    expect(humanizeBytes(bytes)).toBe(si);
    expect(humanizeIBytes(bytes)).toBe(iec);
  });
});

describe('Go helpers', () => {
  it('goFormatFixed rounds exact ties half to even and never uses exponents', () => {
    expect(goFormatFixed(0.0078125, 6)).toBe('0.007812');
    expect(goFormatFixed(0.0078136, 6)).toBe('0.007814');
    expect(goFormatFixed(0.0078135, 6)).toBe('0.007813'); // the double is just below the tie
    expect(goFormatFixed(2.5, 0)).toBe('2');
    expect(goFormatFixed(3.5, 0)).toBe('4');
    expect(goFormatFixed(9.5, 0)).toBe('10');
    expect(goFormatFixed(0.125, 2)).toBe('0.12');
    expect(goFormatFixed(0.375, 2)).toBe('0.38');
    expect(goFormatFixed(-0.125, 2)).toBe('-0.12');
    expect(goFormatFixed(-0.5, 6)).toBe('-0.500000');
    expect(goFormatFixed(-0, 2)).toBe('-0.00');
    expect(goFormatFixed(1e21, 1)).toBe('1000000000000000000000.0');
    expect(goFormatFixed(NaN, 2)).toBe('NaN');
    expect(goFormatFixed(Infinity, 2)).toBe('+Inf');
    expect(goFormatFixed(-Infinity, 2)).toBe('-Inf');
  });

  it('goFormatInt prints integers in full', () => {
    expect(goFormatInt(42)).toBe('42');
    expect(goFormatInt(2 ** 64)).toBe('18446744073709551616');
  });

  it('goQuote matches strconv.Quote', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('\n\t\u0007\u0000\u007f')).toBe('"\\n\\t\\a\\x00\\x7f"');
    expect(goQuote('é 🐟')).toBe('"é 🐟"');
    expect(goQuote('\u00a0\u200b')).toBe('"\\u00a0\\u200b"');
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"');
    expect(goQuote('\ud800')).toBe('"\ufffd"');
  });

  it('goToLower and goTrimSpace follow Go, not JS', () => {
    expect(goToLower('ABC')).toBe('abc');
    expect(goToLower('\u0130')).toBe('i');
    expect(goToLower('ΑΣ')).toBe('ασ');
    expect(goTrimSpace('\u0085 x \u00a0')).toBe('x');
    expect(goTrimSpace('\ufeffx')).toBe('\ufeffx');
  });

  it('goCompareStrings uses code point order', () => {
    expect(goCompareStrings('a', 'b')).toBe(-1);
    expect(goCompareStrings('b', 'a')).toBe(1);
    expect(goCompareStrings('a', 'ab')).toBe(-1);
    expect(goCompareStrings('x', 'x')).toBe(0);
    // U+FF21 sorts before U+1F41F in UTF-8, but after its surrogates in UTF-16.
    expect(goCompareStrings('\uff21', '🐟')).toBe(-1);
    expect(goCompareStrings('🐟', '\uff21')).toBe(1);
  });

  it('goParseInt accepts int64 decimals only', () => {
    expect(goParseInt('-42')).toBe(-42n);
    expect(goParseInt('+7')).toBe(7n);
    expect(goParseInt('9223372036854775807')).toBe(9223372036854775807n);
    expect(goParseInt('-9223372036854775808')).toBe(-9223372036854775808n);
    for (const bad of ['', '+', '1.0', '1e3', '1_000', ' 1', '9223372036854775808', '0x10']) {
      expect(goParseInt(bad)).toBeUndefined();
    }
  });

  it('goParseFloat follows strconv.ParseFloat', () => {
    expect(goParseFloat('1_000.5')).toEqual({ value: 1000.5 });
    expect(goParseFloat('0x1.fp+3')).toEqual({ value: 15.5 });
    expect(goParseFloat('Infinity')).toEqual({ value: Infinity });
    expect(goParseFloat('-inf')).toEqual({ value: -Infinity });
    expect(goParseFloat('NaN').value).toBeNaN();
    expect(goParseFloat('+nan').error).toBe('syntax');
    expect(goParseFloat('infin').error).toBe('syntax');
    expect(goParseFloat('1e309')).toEqual({ value: Infinity, error: 'range' });
    expect(goParseFloat('0x1p2000')).toEqual({ value: Infinity, error: 'range' });
    expect(goParseFloat('0x_1p0')).toEqual({ value: 1 });
    expect(goParseFloat('0x1_p0').error).toBe('syntax');
    expect(goParseFloat('1e1_0')).toEqual({ value: 1e10 });
  });
});
