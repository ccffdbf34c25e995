import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from './bacerrors.js';
import {
  MaxPortNameLength,
  NetworkType,
  domainSet,
  isNetworkDisabled,
  isValidDomain,
  isValidIP,
  matchDomain,
  matchesDomainPattern,
  networkTypeCodes,
  networkTypeFromInt,
  networkTypeName,
  networkTypeToInt,
  normalizeNetworkConfig,
  parseNetworkType,
  supportsPortAllocation,
  validateNetworkConfig,
  validatePort,
  validatePorts,
  type NetworkConfig,
  type Port,
} from './network.js';

describe('NetworkType', () => {
  it('has Go integer values', () => {
    expect(networkTypeCodes).toEqual(['Default', 'None', 'Host', 'Full', 'HTTP', 'Bridge']);
    expect(networkTypeToInt(NetworkType.HTTP)).toBe(4);
    expect(networkTypeToInt(NetworkType.Bridge)).toBe(5);
    expect(networkTypeFromInt(3)).toBe('Full');
    expect(networkTypeFromInt(6)).toBeUndefined();
    expect(networkTypeFromInt(-1)).toBeUndefined();
    expect(networkTypeFromInt(1.5)).toBeUndefined();
    expect(networkTypeName(0)).toBe('Default');
    expect(networkTypeName(7)).toBe('Network(7)');
  });

  it.each([
    ['Default', 'Default'],
    ['none', 'None'],
    ['HOST', 'Host'],
    ['full', 'Full'],
    ['http', 'HTTP'],
    ['Http', 'HTTP'],
    ['bridge', 'Bridge'],
    [' Bridge\n', 'Bridge'],
    ['\u00a0host\u0085', 'Host'],
    ['ho\u017ft', 'Host'], // Go's EqualFold folds the long s onto s
  ])('parseNetworkType(%j) is %s', (input, type) => {
    expect(parseNetworkType(input)).toBe(type);
  });

  it.each(['', ' ', 'bridged', 'host-network', '0', '2', 'Network(2)', 'ho\u0131t', '\ufeffhost'])(
    'parseNetworkType(%j) fails with Go message',
    (input) => {
      let caught: unknown;
      try {
        parseNetworkType(input);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(BacalhauError);
      expect((caught as BacalhauError).message).toBe(`models.Network: unknown type '${input}'`);
      expect((caught as BacalhauError).code).toBe(ErrorCode.ValidationError);
    },
  );

  it('knows which modes allow ports and which disable networking', () => {
    expect(networkTypeCodes.filter(supportsPortAllocation)).toEqual(['Host', 'Full', 'Bridge']);
    expect(networkTypeCodes.filter(isNetworkDisabled)).toEqual(['None']);
  });
});

describe('normalizeNetworkConfig', () => {
  it('initialises lists', () => {
    expect(normalizeNetworkConfig({ Type: 'Bridge' })).toEqual({ Type: 'Bridge', Domains: [], Ports: [] });
  });
  it('lower-cases and trims domains', () => {
    expect(normalizeNetworkConfig({ Type: 'HTTP', Domains: [' EXAMPLE.com ', 'TEST.com\n'] })).toEqual({
      Type: 'HTTP',
      Domains: ['example.com', 'test.com'],
      Ports: [],
    });
  });
  it('copies ports and does not mutate its argument', () => {
    const n: NetworkConfig = { Type: 'Host', Domains: ['A.COM'], Ports: [{ Name: 'p', Static: 2000 }] };
    const out = normalizeNetworkConfig(n);
    const [port] = out.Ports ?? [];
    if (port !== undefined) port.Static = 3000;
    expect(n).toEqual({ Type: 'Host', Domains: ['A.COM'], Ports: [{ Name: 'p', Static: 2000 }] });
  });
});

describe('domains', () => {
  it.each([
    '192.168.0.1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    '::1',
    'example.com',
    '.example.com',
    'sub.example.co.uk',
    'my-host.example.com',
    'xn--bcher-kva.example',
    'a.io',
    // The Go pattern is unanchored: these pass because some part of them looks like a domain.
    'example.com/path',
    'http://example.com',
    '*.example.com',
    'example.com:443',
    'x@y.com',
    'Foo.example.com',
    'crates.io.',
  ])('%j is accepted', (domain) => {
    expect(isValidDomain(domain)).toBe(true);
  });

  it.each([
    'at@.walker',
    '192.168.0.1/32',
    'localhost',
    'EXAMPLE.COM',
    'example.c',
    'example.c0m',
    'example.com1',
    'exam_ple.com',
    'Example.Com',
    '',
    '.',
    '-.com',
    '1.2.3',
    '256.1.1.1',
    '::1%eth0',
    '[::1]',
  ])('%j is refused', (domain) => {
    expect(isValidDomain(domain)).toBe(false);
  });

  it('the linear matcher agrees with the Go regex', () => {
    const goDomainRegex = /\b([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}\b/;
    const alphabet = fc.constantFrom(
      'a',
      'b',
      'z',
      '0',
      '9',
      '-',
      '.',
      '.',
      '_',
      'A',
      'Z',
      '@',
      ' ',
      'é',
      '/',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 16 }), (chars) => {
        const s = chars.join('');
        expect(matchesDomainPattern(s)).toBe(goDomainRegex.test(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('stays fast on long inputs', () => {
    const long = 'a-'.repeat(50_000) + 'a';
    const started = Date.now();
    expect(matchesDomainPattern(long)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('isValidIP (net.ParseIP)', () => {
  it.each([
    '0.0.0.0',
    '127.0.0.1',
    '255.255.255.255',
    '10.0.0.1',
    '::',
    '::1',
    '1::',
    '1::2',
    'fe80::1',
    'FE80::ABCD',
    '2001:db8:0:0:0:0:2:1',
    '2001:db8::2:1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    '::ffff:192.0.2.1',
    '::192.0.2.1',
    '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5::1.2.3.4',
  ])('%j is an IP', (ip) => {
    expect(isValidIP(ip)).toBe(true);
  });

  it.each([
    '',
    'localhost',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.04',
    '256.0.0.1',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1..2.3',
    '1.2.3.4/24',
    '1.2.3.4:80',
    '%1',
    '::1%eth0',
    '::1%',
    '[::1]',
    ':::',
    '1:::2',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    '1:2:3:4:5:6:7:8::',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    'g::1',
    '1:2:3:4:5:1.2.3.4',
    '::1.2.3',
    '::1.2.3.256',
    '1:2:3:4:5:6::1.2.3.4',
    '::ffff:a.2.3.4',
    '١.2.3.4',
  ])('%j is not an IP', (ip) => {
    expect(isValidIP(ip)).toBe(false);
  });
});

describe('validatePort', () => {
  it.each<[string, Port, string | undefined]>([
    ['valid port', { Name: 'http', Static: 8080 }, undefined],
    ['auto-allocated', { Name: 'web' }, undefined],
    ['underscore name', { Name: '_my_Port9' }, undefined],
    ['missing name', { Name: '', Static: 8080 }, 'port mapping name is required'],
    [
      'name with a dash',
      { Name: 'my-port' },
      'port name must be a valid environment variable name: start with letter/underscore and contain only letters, numbers, and underscores',
    ],
    [
      'name starting with a digit',
      { Name: '1port' },
      'port name must be a valid environment variable name: start with letter/underscore and contain only letters, numbers, and underscores',
    ],
    [
      'name with a trailing newline',
      { Name: 'port\n' },
      'port name must be a valid environment variable name: start with letter/underscore and contain only letters, numbers, and underscores',
    ],
    ['name of 237 characters', { Name: 'p'.repeat(237) }, undefined],
    ['name of 238 characters', { Name: 'p'.repeat(238) }, 'port name too long (max 237 characters)'],
    [
      'privileged static port',
      { Name: 'p', Static: 80 },
      'static port 80 is in privileged port range (1-1023)',
    ],
    ['static 1023', { Name: 'p', Static: 1023 }, 'static port 1023 is in privileged port range (1-1023)'],
    ['static 1024', { Name: 'p', Static: 1024 }, undefined],
    ['static 65535', { Name: 'p', Static: 65535 }, undefined],
    [
      'negative static port',
      { Name: 'p', Static: -5 },
      'static port -5 is in privileged port range (1-1023)',
    ],
    ['static too high', { Name: 'p', Static: 65536 }, 'static port 65536 is above maximum valid port 65535'],
    ['privileged target is fine', { Name: 'p', Target: 80 }, undefined],
    ['negative target', { Name: 'p', Target: -1 }, 'invalid target port -1'],
    ['target too high', { Name: 'p', Target: 70000 }, 'invalid target port 70000'],
    ['host network IPv4', { Name: 'p', HostNetwork: '127.0.0.1' }, undefined],
    ['host network IPv6', { Name: 'p', HostNetwork: '::1' }, undefined],
    ['empty host network', { Name: 'p', HostNetwork: '' }, undefined],
    [
      'host network name',
      { Name: 'p', HostNetwork: 'localhost' },
      'invalid host network IP address: localhost',
    ],
    [
      'first problem only',
      { Name: 'p', Static: 1, Target: -1 },
      'static port 1 is in privileged port range (1-1023)',
    ],
  ])('%s', (_name, port, problem) => {
    expect(validatePort(port)).toBe(problem);
  });

  it('allows names up to 256 minus the env prefix', () => {
    expect(MaxPortNameLength).toBe(237);
  });
});

describe('validatePorts', () => {
  it('reports duplicates in Bridge mode', () => {
    expect(
      validatePorts(
        [
          { Name: 'a', Static: 2000, Target: 80 },
          { Name: 'a', Static: 2000, Target: 80 },
          { Name: 'b', Target: 80 },
          { Name: 'c' },
          { Name: 'd' },
        ],
        'Bridge',
      ),
    ).toEqual([
      'duplicate port mapping name "a"',
      'duplicate port mapping static port 2000',
      'duplicate port mapping target port 80',
      'duplicate port mapping target port 80',
    ]);
  });

  it('refuses targets in Host and Full mode', () => {
    for (const type of ['Host', 'Full'] as const) {
      expect(validatePorts([{ Name: 'a', Target: 8080 }, { Name: 'b' }], type)).toEqual([
        'target ports cannot be set for Host network mode',
      ]);
    }
  });

  it('does not count duplicate targets outside Bridge mode', () => {
    expect(
      validatePorts(
        [
          { Name: 'a', Target: 1 },
          { Name: 'b', Target: 1 },
        ],
        'Host',
      ),
    ).toEqual([
      'target ports cannot be set for Host network mode',
      'target ports cannot be set for Host network mode',
    ]);
  });

  it('skips the duplicate checks for an invalid port', () => {
    expect(
      validatePorts(
        [
          { Name: 'a', Static: 3000 },
          { Name: 'a', Static: 80 },
          { Name: 'a', Static: 3000 },
        ],
        'Bridge',
      ),
    ).toEqual([
      'static port 80 is in privileged port range (1-1023)',
      'duplicate port mapping name "a"',
      'duplicate port mapping static port 3000',
    ]);
  });

  it('treats a null entry as a port without a name', () => {
    expect(validatePorts([null], 'Bridge')).toEqual(['port mapping name is required']);
  });

  it('quotes names like Go %q', () => {
    expect(validatePorts([{ Name: 'ab' }, { Name: 'ab' }], 'Host')).toEqual([
      'duplicate port mapping name "ab"',
    ]);
  });
});

describe('validateNetworkConfig', () => {
  it.each<[string, NetworkConfig, string[]]>([
    ['default', { Type: 'Default' }, []],
    ['none', { Type: 'None', Domains: [], Ports: [] }, []],
    ['http with domains', { Type: 'HTTP', Domains: ['example.com', '.foo.org', '10.0.0.1'] }, []],
    ['http without domains', { Type: 'HTTP' }, []],
    [
      'domains outside HTTP',
      { Type: 'Bridge', Domains: ['example.com'] },
      ['domains can only be set for HTTP network mode'],
    ],
    [
      'domains outside HTTP are still checked',
      { Type: 'Host', Domains: ['nope'] },
      ['domains can only be set for HTTP network mode', 'invalid domain "nope"'],
    ],
    [
      'every invalid domain',
      { Type: 'HTTP', Domains: ['at@.walker', 'ok.com', '192.168.0.1/32', 'EXAMPLE.COM'] },
      ['invalid domain "at@.walker"', 'invalid domain "192.168.0.1/32"', 'invalid domain "EXAMPLE.COM"'],
    ],
    ['domain quoting', { Type: 'HTTP', Domains: ['a"b\n'] }, ['invalid domain "a\\"b\\n"']],
    ['ports with Bridge', { Type: 'Bridge', Ports: [{ Name: 'web', Static: 8080, Target: 80 }] }, []],
    ['ports with Host', { Type: 'Host', Ports: [{ Name: 'web', Static: 8080 }] }, []],
    ['ports with Full', { Type: 'Full', Ports: [{ Name: 'web' }] }, []],
    ...(['Default', 'None', 'HTTP'] as const).map((Type): [string, NetworkConfig, string[]] => [
      `ports with ${Type}`,
      { Type, Ports: [{ Name: '' }] },
      ['ports can only be set for Host or Bridge network modes'],
    ]),
    [
      'port problems',
      {
        Type: 'Host',
        Ports: [
          { Name: 'a', Target: 80 },
          { Name: 'b', Static: 22 },
        ],
      },
      [
        'target ports cannot be set for Host network mode',
        'static port 22 is in privileged port range (1-1023)',
      ],
    ],
    [
      'unknown type',
      { Type: 'Wifi' as NetworkType, Domains: ['a.com'] },
      ['invalid networking type "Wifi"', 'domains can only be set for HTTP network mode'],
    ],
  ])('%s', (_name, config, problems) => {
    expect(validateNetworkConfig(config)).toEqual(problems);
  });
});

describe('unchecked nulls from decoded JSON', () => {
  const decoded = (json: string): NetworkConfig => JSON.parse(json) as NetworkConfig;
  it('reads a null domain as "" (Go zero value)', () => {
    expect(validateNetworkConfig(decoded('{"Type":"HTTP","Domains":[null,"a.com"]}'))).toEqual([
      'invalid domain ""',
    ]);
    expect(normalizeNetworkConfig(decoded('{"Type":"HTTP","Domains":[null]}')).Domains).toEqual(['']);
    expect(domainSet(decoded('{"Domains":[null,"a.com"]}'))).toEqual(['a.com']);
  });
  it('reads null port fields as zero values', () => {
    expect(validateNetworkConfig(decoded('{"Type":"Bridge","Ports":[{"Name":null}]}'))).toEqual([
      'port mapping name is required',
    ]);
    expect(
      validateNetworkConfig(decoded('{"Type":"Bridge","Ports":[{"Name":"a","HostNetwork":null}]}')),
    ).toEqual([]);
  });
});

describe('matchDomain', () => {
  it.each([
    ['foo.com', 'foo.com'],
    ['.foo.com', 'foo.com'],
    ['foo.com', '.foo.com'],
    [' .foo.com', '.foo.com'],
    ['x.foo.com', '.foo.com'],
    ['y.x.foo.com', '.foo.com'],
    ['FOO.com', 'foo.COM'],
    ['.foo.com', '.x.foo.com'],
  ])('%j and %j match', (left, right) => {
    expect(matchDomain(left, right)).toBe(0);
  });

  it.each([
    ['x.foo.com', 'foo.com', 1],
    ['foo.com', 'x.foo.com', -1],
    ['bar.com', 'foo.com', -1],
    ['.bar.com', 'foo.com', -1],
    ['.bar.com', '.foo.com', -1],
    ['bar.com', '.foo.com', -1],
    ['zzz.com', 'foo.com', 1],
    ['aaa.com', 'foo.com', -1],
    ['bFoo.com', 'aFoo.com', 1],
    ['aFoo.com', 'bFoo.com', -1],
    ['x-foo.com', '.foo.com', 1],
  ])('%j and %j differ (%d)', (left, right, sign) => {
    expect(Math.sign(matchDomain(left, right))).toBe(sign);
  });
});

describe('domainSet', () => {
  it.each<[string, string[] | undefined, string[]]>([
    ['absent', undefined, []],
    ['empty', [], []],
    ['single', ['example.com'], ['example.com']],
    ['different', ['test.com', 'example.com'], ['example.com', 'test.com']],
    ['wildcard covers subdomains', ['y.foo.com', '.foo.com', 'x.foo.com'], ['.foo.com']],
    ['wildcard covers the bare domain', ['foo.com', '.foo.com'], ['.foo.com']],
    ['wildcard covers across the list', ['.foo.com', 'a.com', 'x.foo.com'], ['.foo.com', 'a.com']],
    ['wider wildcard wins', ['.x.foo.com', '.foo.com'], ['.foo.com']],
    ['duplicates and empties', ['a.com', '', 'a.com'], ['a.com']],
    ['siblings are kept', ['x.foo.com', 'foo.com'], ['foo.com', 'x.foo.com']],
  ])('%s', (_name, domains, expected) => {
    expect(domainSet(domains === undefined ? {} : { Domains: domains })).toEqual(expected);
  });
});
