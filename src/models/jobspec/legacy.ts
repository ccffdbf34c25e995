/**
 * The legacy v0 job spec (Bacalhau before v1.0: `Engine`, `Verifier`, `PublisherSpec`, `Docker`, `Wasm`,
 * `Resources`, `Inputs`, `Outputs`, `Deal`, …, optionally wrapped as `{APIVersion, Spec}`) converted to a
 * current job, the way Bacalhau's own `legacy.FromLegacyJob` did while it still existed. Fields that lost
 * their meaning (verifiers, Estuary, deals' confidence) are dropped with a warning each.
 */
import { getField as get, isPlainObject } from '../codec.js';
import { StorageSource } from '../constants.js';

export interface LegacyConversion {
  /** A current (v1) job spec as plain data, PascalCase keys. */
  spec: Record<string, unknown>;
  warnings: string[];
  problems: string[];
}

/** Top-level keys that only the v0 format had (a current job has none of them). */
const legacyOnlyKeys = new Set([
  'spec',
  'enginespec',
  'verifier',
  'publisherspec',
  'docker',
  'wasm',
  'deal',
  'inputs',
  'outputs',
  'timeout',
  'annotations',
  'nodeselectors',
  'donottrack',
]);

/**
 * Keys a v0 spec had at the top and a current one has in a task (`Engine`, `Publisher`): v0's only when
 * they hold a name (`Engine: Docker`). As objects they are a current task's fields written one level
 * too high, which the decoder names as unknown fields of the Job, as Go's does; so are `Resources`
 * and `Network` alone.
 */
const namedInLegacy = new Set(['engine', 'publisher']);

/**
 * A current job's top-level fields, kept as written in a legacy spec (one half converted by hand), each
 * with the legacy field it replaces, if any: that one is then ignored, with a warning.
 */
const currentJobFields: readonly (readonly [string, string?])[] = [
  ['Name'],
  ['Namespace'],
  ['Type', 'Deal.TargetingMode'],
  ['Count', 'Deal.Concurrency'],
  ['Priority'],
  ['Labels', 'Annotations'],
  ['Meta'],
  ['Constraints', 'NodeSelectors'],
];

/** v0's API versions (`V1alpha1`, `V1beta1`, `V1beta2`); any other (a Kubernetes `v1`) is not a v0 spec. */
const LegacyApiVersion = /^v1(alpha|beta)\d+$/iu;

/** Legacy specs have no Tasks, and a v0 API version or a key only the v0 format had. */
export function isLegacySpec(raw: Record<string, unknown>): boolean {
  const fields = Object.entries(raw).map(([key, value]) => [key.toLowerCase(), value] as const);
  if (fields.some(([key]) => key === 'tasks')) return false;
  const apiVersion = fields.find(([key]) => key === 'apiversion')?.[1];
  if (apiVersion !== undefined) return typeof apiVersion === 'string' && LegacyApiVersion.test(apiVersion);
  return fields.some(
    ([key, value]) => legacyOnlyKeys.has(key) || (namedInLegacy.has(key) && typeof value === 'string'),
  );
}

/** Where legacy WASM modules are mounted, as Bacalhau's LegacyWasmModuleTransformer does. */
export const LegacyWasmEntryTarget = '/wasm/entry.wasm';
export const legacyWasmImportTarget = (i: number): string => `/wasm/imports/module_${i}.wasm`;

export function convertLegacySpec(raw: Record<string, unknown>): LegacyConversion {
  return new LegacyConverter().convert(raw);
}

interface LegacyEngine {
  engine?: Record<string, unknown>;
  /** Input sources the engine needs (v0 WASM modules). */
  modules: Record<string, unknown>[];
  env?: Record<string, unknown>;
}

class LegacyConverter {
  readonly warnings: string[] = [
    'this is a legacy (v0) job spec; it was converted to a current job. Run `bacalhau job run --dry-run` ' +
      'to see the current form and use it instead',
  ];
  readonly problems: string[] = [];

  convert(raw: Record<string, unknown>): LegacyConversion {
    const wrapped = get(raw, 'Spec');
    const spec = isPlainObject(wrapped) ? wrapped : raw;
    if (isPlainObject(wrapped)) {
      if (get(raw, 'Metadata') !== undefined)
        this.ignored('Metadata', 'the server assigns IDs, times and the client');
    }
    if (get(spec, 'Verifier') !== undefined)
      this.ignored('Verifier', 'verification was removed from Bacalhau');
    if (get(spec, 'DoNotTrack') !== undefined) this.ignored('DoNotTrack', 'Bacalhau no longer tracks jobs');

    const deal = this.asObject(get(spec, 'Deal'), 'Deal') ?? {};
    for (const key of ['Confidence', 'MinBids']) {
      if (get(deal, key) !== undefined)
        this.ignored(`Deal.${key}`, 'result verification was removed from Bacalhau');
    }
    const targetAll = text(get(deal, 'TargetingMode')).toLowerCase() === 'all';
    const concurrency = get(deal, 'Concurrency');

    const task: Record<string, unknown> = { Name: 'main' };
    const { engine, modules, env } = this.engine(spec);
    if (engine !== undefined) task['Engine'] = engine;
    if (env !== undefined) task['Env'] = env;
    const publisher = this.publisher(spec);
    if (publisher !== undefined) task['Publisher'] = publisher;
    copyIfPresent(spec, 'Resources', task, 'Resources');
    const network = this.network(spec);
    if (network !== undefined) task['Network'] = network;
    const timeout = get(spec, 'Timeout');
    if (typeof timeout === 'number' && timeout > 0) task['Timeouts'] = { TotalTimeout: Math.ceil(timeout) };

    const inputs = this.asArray(get(spec, 'Inputs'), 'Inputs').map((input, i) =>
      this.inputSource(input, `Inputs[${i}]`),
    );
    const allInputs = [...inputs, ...modules].filter((i): i is Record<string, unknown> => i !== undefined);
    if (allInputs.length > 0) task['InputSources'] = allInputs;
    const outputs = this.asArray(get(spec, 'Outputs'), 'Outputs').map((o, i) =>
      this.resultPath(o, `Outputs[${i}]`),
    );
    if (outputs.length > 0) task['ResultPaths'] = outputs;

    const labels: Record<string, string> = {};
    for (const annotation of this.asArray(get(spec, 'Annotations'), 'Annotations'))
      labels[String(annotation)] = '';

    const job: Record<string, unknown> = {
      Type: targetAll ? 'ops' : 'batch',
      Tasks: [task],
      Labels: labels,
      Constraints: this.asArray(get(spec, 'NodeSelectors'), 'NodeSelectors'),
    };
    // An absent or zero Concurrency meant one node, as Count's default does now.
    if (!targetAll) job['Count'] = typeof concurrency === 'number' && concurrency > 0 ? concurrency : 1;
    this.keepCurrentFields(spec, job);
    return { spec: job, warnings: this.warnings, problems: this.problems };
  }

  /** The current job's fields the spec has win over what the legacy ones made of it. */
  private keepCurrentFields(spec: Record<string, unknown>, job: Record<string, unknown>): void {
    for (const [field, replaces] of currentJobFields) {
      const value = get(spec, field);
      if (value === undefined) continue;
      job[field] = value;
      if (replaces !== undefined && legacyValue(spec, replaces) !== undefined) {
        this.warnings.push(`${field} is used, and the legacy field ${replaces} it replaces is ignored`);
      }
    }
    // a count made from the legacy deal is no count for the job types that have none
    const type = text(job['Type']).toLowerCase();
    if (get(spec, 'Count') === undefined && (type === 'ops' || type === 'daemon')) delete job['Count'];
  }

  private engine(spec: Record<string, unknown>): LegacyEngine {
    const engineSpec = get(spec, 'EngineSpec');
    if (isPlainObject(engineSpec)) return { engine: engineSpec, modules: [] };
    const name = text(get(spec, 'Engine')).toLowerCase();
    if (name === 'docker') {
      return {
        engine: { Type: 'docker', Params: this.asObject(get(spec, 'Docker'), 'Docker') ?? {} },
        modules: [],
      };
    }
    if (name === 'wasm') return this.wasmEngine(this.asObject(get(spec, 'Wasm'), 'Wasm') ?? {});
    if (name === '') {
      this.problems.push('legacy spec: missing Engine (docker or wasm)');
      return { modules: [] };
    }
    return { engine: { Type: name }, modules: [] };
  }

  /** The v0 WASM spec held modules as storage specs; now they are input sources referenced by target. */
  private wasmEngine(wasm: Record<string, unknown>): LegacyEngine {
    const modules: Record<string, unknown>[] = [];
    const params: Record<string, unknown> = {};
    const entry = get(wasm, 'EntryModule');
    if (isPlainObject(entry)) {
      const input = this.inputSource({ ...entry, Path: LegacyWasmEntryTarget }, 'Wasm.EntryModule');
      if (input) modules.push(input);
      params['EntryModule'] = LegacyWasmEntryTarget;
    }
    const imports = this.asArray(get(wasm, 'ImportModules'), 'Wasm.ImportModules');
    params['ImportModules'] = imports.map((module, i) => {
      const input = isPlainObject(module)
        ? this.inputSource({ ...module, Path: legacyWasmImportTarget(i) }, `Wasm.ImportModules[${i}]`)
        : undefined;
      if (input) modules.push(input);
      return legacyWasmImportTarget(i);
    });
    const entryPoint = get(wasm, 'EntryPoint');
    if (entryPoint !== undefined) params['Entrypoint'] = entryPoint;
    const parameters = get(wasm, 'Parameters');
    if (parameters !== undefined) params['Parameters'] = parameters;
    const env = this.asObject(get(wasm, 'EnvironmentVariables'), 'Wasm.EnvironmentVariables');
    return { engine: { Type: 'wasm', Params: params }, modules, ...(env === undefined ? {} : { env }) };
  }

  private publisher(spec: Record<string, unknown>): Record<string, unknown> | undefined {
    const publisherSpec = get(spec, 'PublisherSpec');
    // the field the spec names it by: `PublisherSpec: {Type: …}` or, older, `Publisher: <name>`
    const field = isPlainObject(publisherSpec) ? 'PublisherSpec' : 'Publisher';
    const type = text(isPlainObject(publisherSpec) ? get(publisherSpec, 'Type') : get(spec, 'Publisher'));
    const lower = type.toLowerCase();
    if (lower === '' || lower === 'noop') return lower === '' ? undefined : { Type: 'noop' };
    if (lower === 'estuary' || lower === 'filecoin') {
      this.ignored(
        field,
        `the ${type} publisher no longer exists; results go to the local publisher (the compute node serves ` +
          'them to `job get`) unless you set Tasks[0].Publisher to another one',
      );
      return { Type: 'local' };
    }
    if (lower === 'ipfs') {
      // v0's default publisher: kept, as a Bacalhau node with IPFS runs it, but said, as ours cannot
      this.warnings.push(
        `${field} ${type} is kept: only nodes with an IPFS publisher can run the job (bacalhau-ts nodes ` +
          'publish with local and noop); set Tasks[0].Publisher to local for results the node serves to `job get`',
      );
    }
    const params = isPlainObject(publisherSpec) ? get(publisherSpec, 'Params') : undefined;
    return isPlainObject(params) ? { Type: lower, Params: params } : { Type: lower };
  }

  private network(spec: Record<string, unknown>): Record<string, unknown> | undefined {
    const network = this.asObject(get(spec, 'Network'), 'Network');
    if (network === undefined) return undefined;
    const out: Record<string, unknown> = {};
    const type = get(network, 'Type');
    // v0 encoded the network type as an integer: 0 None, 1 Full, 2 HTTP.
    if (typeof type === 'number') out['Type'] = ['None', 'Full', 'HTTP'][type] ?? String(type);
    else if (type !== undefined) out['Type'] = type;
    copyIfPresent(network, 'Domains', out, 'Domains');
    return out;
  }

  private inputSource(input: unknown, where: string): Record<string, unknown> | undefined {
    if (!isPlainObject(input)) {
      this.problems.push(`legacy spec: ${where} must be a storage spec object`);
      return undefined;
    }
    const source = this.storageSource(input, where);
    if (source === undefined) return undefined;
    return { Source: source, Alias: get(input, 'Name') ?? '', Target: get(input, 'Path') ?? '' };
  }

  private storageSource(input: Record<string, unknown>, where: string): Record<string, unknown> | undefined {
    const kind = text(get(input, 'StorageSource')).toLowerCase();
    const require = (key: string): unknown => {
      const value = get(input, key);
      if (value === undefined || value === '') this.problems.push(`legacy spec: ${where} is missing ${key}`);
      return value;
    };
    switch (kind) {
      case 'ipfs':
        return { Type: StorageSource.IPFS, Params: { CID: require('CID') } };
      case 'urldownload':
      case 'url':
        return { Type: StorageSource.URL, Params: { URL: require('URL') } };
      case 'inline':
        return { Type: StorageSource.Inline, Params: { URL: require('URL') } };
      case 'localdirectory':
      case 'local':
        return {
          Type: StorageSource.Local,
          Params: { SourcePath: require('SourcePath'), ReadWrite: get(input, 'ReadWrite') === true },
        };
      case 's3': {
        const s3 = this.asObject(require('S3'), `${where}.S3`) ?? {};
        const params: Record<string, unknown> = {};
        for (const key of ['Bucket', 'Key', 'Region', 'Endpoint', 'ChecksumSHA256', 'VersionID']) {
          copyIfPresent(s3, key, params, key);
        }
        return { Type: StorageSource.S3, Params: params };
      }
      default:
        this.problems.push(
          `legacy spec: ${where} has unsupported StorageSource '${text(get(input, 'StorageSource'))}' ` +
            '(supported: ipfs, urlDownload, inline, localDirectory, s3)',
        );
        return undefined;
    }
  }

  private resultPath(output: unknown, where: string): Record<string, unknown> {
    if (!isPlainObject(output)) {
      this.problems.push(`legacy spec: ${where} must be an object with Name and Path`);
      return {};
    }
    for (const key of ['StorageSource', 'CID', 'URL']) {
      if (get(output, key) !== undefined)
        this.ignored(`${where}.${key}`, 'an output is only a Name and a Path');
    }
    return { Name: get(output, 'Name') ?? '', Path: get(output, 'Path') ?? '' };
  }

  private asObject(value: unknown, where: string): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    if (isPlainObject(value)) return value;
    this.problems.push(`legacy spec: ${where} must be an object`);
    return undefined;
  }

  private asArray(value: unknown, where: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.problems.push(`legacy spec: ${where} must be a list`);
    return [];
  }

  private ignored(field: string, why: string): void {
    this.warnings.push(`legacy field ${field} has no meaning any more and is ignored: ${why}`);
  }
}

/** The value at a dotted path of legacy fields (`Deal.Concurrency`), if any. */
function legacyValue(spec: Record<string, unknown>, path: string): unknown {
  let value: unknown = spec;
  for (const key of path.split('.')) value = isPlainObject(value) ? get(value, key) : undefined;
  return value;
}

/** A v0 enum value as text; v0 enums were names, anything else matches nothing. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function copyIfPresent(
  from: Record<string, unknown>,
  key: string,
  to: Record<string, unknown>,
  as: string,
): void {
  const value = get(from, key);
  if (value !== undefined && value !== null) to[as] = value;
}
