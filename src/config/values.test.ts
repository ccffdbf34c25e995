import { describe, expect, it } from 'vitest';
import { findKey, type KeySpec } from './keys.js';
import { formatValue, fromArgs, fromData, fromText } from './values.js';

const spec = (key: string): KeySpec => {
  const found = findKey(key);
  if (!found) throw new Error(`no key ${key}`);
  return found;
};

/** Whether a config file's value for `Compute.AllocatedCapacity.<key>` is accepted. */
const ok = (key: string, v: string) => fromData(spec(`Compute.AllocatedCapacity.${key}`), v).ok;

describe('fromText', () => {
  it('parses Go booleans, integers and durations', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
      expect(fromText(spec('WebUI.Enabled'), t, true)).toEqual({ ok: true, value: true });
    }
    expect(fromText(spec('WebUI.Enabled'), 'False', true)).toEqual({ ok: true, value: false });
    expect(fromText(spec('WebUI.Enabled'), 'yes', true).ok).toBe(false);
    expect(fromText(spec('API.Port'), '+80', true)).toEqual({ ok: true, value: 80 });
    expect(fromText(spec('API.Port'), '0x50', true).ok).toBe(false);
    expect(fromText(spec('API.Port'), '1.5', true).ok).toBe(false);
    expect(fromText(spec('Engines.Types.Docker.ManifestCache.Size'), '-1', true)).toEqual({
      ok: false,
      problems: [
        {
          message:
            'config key: "Engines.Types.Docker.ManifestCache.Size" expects a positive integer value, received: "-1"',
          hint: "Accepted formats: '1', '2', '10', etc.",
        },
      ],
    });
    expect(fromText(spec('UpdateConfig.Interval'), '1.5h', true)).toEqual({ ok: true, value: '1h30m0s' });
    expect(fromText(spec('UpdateConfig.Interval'), '0', true)).toEqual({ ok: true, value: '0s' });
  });

  it('refuses a port outside 0–65535, from any source, naming the key', () => {
    const problem = [
      { message: 'config key: "API.Port": 70000 is not a port: give a number from 0 to 65535' },
    ];
    expect(fromText(spec('API.Port'), '70000', true)).toEqual({ ok: false, problems: problem });
    expect(fromArgs(spec('API.Port'), ['70000'])).toEqual({ ok: false, problems: problem });
    expect(fromData(spec('API.Port'), 70000)).toEqual({ ok: false, problems: problem });
    expect(fromText(spec('Publishers.Types.Local.Port'), '-5', false).ok).toBe(false);
    expect(fromText(spec('Compute.Network.PortRangeEnd'), '65535', true)).toEqual({ ok: true, value: 65535 });
    expect(fromText(spec('API.Port'), '0', true)).toEqual({ ok: true, value: 0 });
    expect(fromText(spec('WebUI.Listen'), '0.0.0.0:99999', true).ok).toBe(false);
    expect(fromText(spec('WebUI.Listen'), ':8438', true)).toEqual({ ok: true, value: ':8438' });
  });

  it('parses lists strictly on the command line and leniently from env', () => {
    const key = spec('Compute.Orchestrators');
    expect(fromText(key, 'a,b', true)).toEqual({ ok: true, value: ['a', 'b'] });
    expect(fromText(key, 'a, b,,', false)).toEqual({ ok: true, value: ['a', 'b'] });
    expect(fromText(key, 'a;b', true).ok).toBe(false);
    const empty = fromText(key, 'a,,b', true);
    expect(empty.ok ? '' : empty.problems[0]?.message).toContain('empty item at position 1');
  });

  it('parses maps as k=v pairs with Bacalhau rules', () => {
    const key = spec('Labels');
    expect(fromText(key, 'a=1,b=2', true)).toEqual({ ok: true, value: { a: '1', b: '2' } });
    const reason = (text: string): string => {
      const r = fromText(key, text, true);
      return r.ok ? '' : (r.problems[0]?.message ?? '');
    };
    expect(reason('a')).toContain("no '=' in 'a'");
    expect(reason('a=b=c')).toContain("multiple '=' in 'a=b=c'");
    expect(reason('=b')).toContain("missing key before '=' in '=b'");
    expect(reason('a=')).toContain("missing value after '=' for key 'a'");
    // command-line input is kept as Bacalhau keeps it; env vars are trimmed, as lists there are
    expect(fromText(key, 'a=1, b=2', true)).toEqual({ ok: true, value: { a: '1', ' b': '2' } });
    expect(fromText(key, ' a = 1 , b=2,', false)).toEqual({ ok: true, value: { a: '1', b: '2' } });
    const blank = fromText(key, 'a= ', false);
    expect(blank.ok ? '' : blank.problems[0]?.message).toContain("missing value after '=' for key 'a'");
  });

  it('parses structured values from JSON or YAML text', () => {
    expect(
      fromText(spec('API.Auth.Methods'), '{"Shared": {"type": "ask", "policyPath": "/p"}}', true),
    ).toEqual({
      ok: true,
      value: { Shared: { Type: 'ask', PolicyPath: '/p' } },
    });
  });
});

describe('fromArgs (config set)', () => {
  it('splits a single comma-separated value and keeps several values as a list', () => {
    expect(fromArgs(spec('Compute.Orchestrators'), ['a,b'])).toEqual({ ok: true, value: ['a', 'b'] });
    expect(fromArgs(spec('Compute.Orchestrators'), ['a', 'b'])).toEqual({ ok: true, value: ['a', 'b'] });
    expect(fromArgs(spec('API.Port'), ['12', 'ignored'])).toEqual({ ok: true, value: 12 });
  });
});

describe('fromData (files)', () => {
  it('accepts YAML scalars of the right kind and weakly typed numbers for strings', () => {
    expect(fromData(spec('JobDefaults.Batch.Task.Resources.Memory'), 512)).toEqual({
      ok: true,
      value: '512',
    });
    expect(fromData(spec('API.Port'), '80')).toEqual({ ok: true, value: 80 });
    expect(fromData(spec('API.Port'), 80.5).ok).toBe(false);
    expect(fromData(spec('Orchestrator.Cluster.Peers'), 'a,b')).toEqual({ ok: true, value: ['a', 'b'] });
    expect(fromData(spec('Labels'), { a: 1 })).toEqual({ ok: true, value: { a: '1' } });
  });

  it('checks allocated capacity', () => {
    expect(ok('CPU', '85%')).toBe(true);
    expect(ok('CPU', '0%')).toBe(true);
    expect(ok('CPU', '100.0%')).toBe(true);
    expect(ok('CPU', '250m')).toBe(true);
    expect(ok('CPU', '2.5')).toBe(true);
    expect(ok('CPU', '101%')).toBe(false);
    expect(ok('CPU', '-1%')).toBe(false);
    expect(ok('CPU', 'abc%')).toBe(false);
    expect(ok('Memory', '16Gi')).toBe(true);
    expect(ok('Memory', '10 GB')).toBe(true);
    expect(ok('Disk', '1.5TiB')).toBe(true);
    expect(ok('Memory', 'lots')).toBe(false);
    expect(ok('GPU', '2')).toBe(true);
    expect(ok('GPU', '1.5')).toBe(false);
    const gpu = fromData(spec('Compute.AllocatedCapacity.GPU'), '120%');
    expect(gpu.ok ? '' : gpu.problems[0]?.message).toBe(
      'config key: "Compute.AllocatedCapacity.GPU": percentage must be between 0% and 100%, got 120%',
    );
  });

  it('refuses a fraction of a byte as allocated memory or disk, which Bacalhau rounds down to 0', () => {
    const check = (key: string, v: string) => {
      const decoded = fromText(spec(`Compute.AllocatedCapacity.${key}`), v, true);
      return decoded.ok ? 'ok' : decoded.problems[0]?.message;
    };
    expect(check('Memory', '0.5')).toBe(
      'config key: "Compute.AllocatedCapacity.Memory": "0.5" is a number of bytes, which must be whole: ' +
        'give a percentage of the machine (e.g. "50%") or an amount with a unit (e.g. "512Mi", "16Gi")',
    );
    expect(check('Disk', '1.5b')).toContain('"1.5b" is a number of bytes, which must be whole');
    // Whole byte counts and fractions of a larger unit stay as Bacalhau reads them.
    expect(check('Memory', '1024')).toBe('ok');
    expect(check('Memory', '1.0')).toBe('ok');
    expect(check('Memory', '0.5Gi')).toBe('ok');
    expect(check('Disk', '1.5 TB')).toBe('ok');
    // CPU is counted in cores, so half a core is a real amount.
    expect(check('CPU', '0.5')).toBe('ok');
  });

  it('accepts exactly the amounts the node can allocate at start', () => {
    // Go reads CPU with ParseFloat and bytes with go-humanize: exponents and digit commas are amounts.
    expect(ok('CPU', '1e1')).toBe(true);
    expect(ok('Memory', '1,024Mi')).toBe(true);
    // Neither reads Kubernetes suffixes on CPU nor sizes above exabytes: refused at load, not at start.
    expect(ok('CPU', '2k')).toBe(false);
    expect(ok('Memory', '1Zi')).toBe(false);
    expect(ok('CPU', '-1')).toBe(false);
  });

  it("checks the default task resources as a task's own", () => {
    const check = (key: string, v: string) => {
      const decoded = fromData(spec(`JobDefaults.${key}`), v);
      return decoded.ok ? 'ok' : decoded.problems[0]?.message;
    };
    expect(check('Batch.Task.Resources.Memory', '2Gi')).toBe('ok');
    expect(check('Batch.Task.Resources.Memory', '')).toBe('ok');
    expect(check('Ops.Task.Resources.Disk', '10 GB')).toBe('ok');
    expect(check('Service.Task.Resources.CPU', '500m')).toBe('ok');
    expect(check('Daemon.Task.Resources.GPU', '1')).toBe('ok');
    expect(check('Batch.Task.Resources.Memory', '1Gbb')).toBe(
      'config key: "JobDefaults.Batch.Task.Resources.Memory": invalid memory value: 1gbb',
    );
    expect(check('Service.Task.Resources.CPU', 'abc')).toBe(
      'config key: "JobDefaults.Service.Task.Resources.CPU": invalid CPU value: abc',
    );
    expect(check('Daemon.Task.Resources.GPU', 'x')).toBe(
      'config key: "JobDefaults.Daemon.Task.Resources.GPU": invalid GPU value: x',
    );
  });
});

describe('JobAdmissionControl.ProbeHTTP', () => {
  it('is empty or an absolute http(s) URL, refused where it is set rather than at every bid', () => {
    const check = (v: string) => {
      const decoded = fromData(spec('JobAdmissionControl.ProbeHTTP'), v);
      return decoded.ok ? 'ok' : decoded.problems[0]?.message;
    };
    expect(check('')).toBe('ok');
    expect(check('http://127.0.0.1:8080/probe')).toBe('ok');
    expect(check('https://probe.example/bid')).toBe('ok');
    expect(check('not a url')).toBe(
      'config key: "JobAdmissionControl.ProbeHTTP": "not a url" is not an absolute http(s) URL',
    );
    expect(check('ftp://host/probe')).toBe(
      'config key: "JobAdmissionControl.ProbeHTTP": "ftp://host/probe" is not an absolute http(s) URL',
    );
  });
});

describe('formatValue (Go %v, as config list prints it)', () => {
  it('renders lists, maps and structs as Go does', () => {
    expect(formatValue(spec('Compute.Orchestrators'), ['nats://a:4222', 'nats://b:4222'])).toBe(
      '[nats://a:4222 nats://b:4222]',
    );
    expect(formatValue(spec('Compute.Env.AllowList'), [])).toBe('[]');
    expect(formatValue(spec('Labels'), { zone: 'a', arch: 'arm' })).toBe('map[arch:arm zone:a]');
    expect(formatValue(spec('Labels'), {})).toBe('map[]');
    expect(formatValue(spec('API.Auth.Methods'), { ClientKey: { Type: 'challenge' } })).toBe(
      'map[ClientKey:{challenge }]',
    );
    expect(
      formatValue(spec('API.Auth.Users'), [
        { Username: 'u', Password: 'p', Capabilities: [{ Actions: ['read:*'] }] },
      ]),
    ).toBe('[{ u p  [{[read:*]}]}]');
    expect(formatValue(spec('API.Port'), 1234)).toBe('1234');
    expect(formatValue(spec('WebUI.Enabled'), false)).toBe('false');
  });
});
