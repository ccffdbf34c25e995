/**
 * What a built-in executor or input source would refuse on the compute node, checked on submission so
 * that a spec no node could run is refused at once (400, naming the field and what was given) instead
 * of being scheduled, failing on a node and being retried there:
 * - the Docker and WASM engines' params, with the decoders their executors run;
 * - each built-in input source's params (inline, urlDownload, local), with the decoders its storage
 *   provider runs, the required param first (jobspec/params.ts);
 * - where the Docker and WASM executors mount inputs and results: a Docker input's Target must be
 *   absolute, no Docker mount may be the container's root or inside /proc, and no two inputs or result
 *   paths may be mounted at one place, however their paths are written (`/data` and `/data/`);
 * - that the WASM modules a task names are among its inputs, that inline ones are WebAssembly, and
 *   that they would not open more folders than the WASM executor opens for one task (wasm.ts).
 * `job validate` runs the same check, so that it passes only what a submission would.
 *
 * Deliberate difference: Go leaves all of it to the compute node, where the same mistakes end as a
 * failed execution (or a bid rejection) after the job was accepted. Other engine and source types,
 * which this orchestrator cannot know, are left to their nodes as in Go; so is what only a node knows
 * (its allow-listed paths, whether a URL answers, what an archive unpacks to).
 */
import { BacalhauError } from '../bacerrors.js';
import { Engine, StorageSource } from '../constants.js';
import type { InputSource } from '../input-source.js';
import type { Job } from '../job.js';
import type { ResultPath } from '../result-path.js';
import { invalidJobSpec } from '../jobspec/decode.js';
import { MaxListedLines } from '../validate.js';
import { missingInputParam } from '../jobspec/params.js';
import type { DataUrl } from '../sources/data-url.js';
import { decodeInlineSource, GzipMediaType } from '../sources/inline.js';
import { decodeLocalSource } from '../sources/local.js';
import { decodeUrl } from '../sources/url.js';
import { isSpecType, type SpecConfig } from '../spec-config.js';
import type { Task } from '../task.js';
import { decodeDockerSpec } from './docker.js';
import {
  decodeWasmSpec,
  MaxWasmOpenFolders,
  tooManyWasmFolders,
  TooManyWasmFoldersHint,
  wasmBuildHint,
} from './wasm.js';

type Decoders<T> = readonly (readonly [type: string, decode: (value: T) => unknown])[];

const engineDecoders: Decoders<SpecConfig> = [
  [Engine.Docker, decodeDockerSpec],
  [Engine.Wasm, decodeWasmSpec],
];

const sourceDecoders: Decoders<InputSource> = [
  [StorageSource.Inline, decodeInlineSource],
  [StorageSource.URL, decodeUrl],
  [StorageSource.Local, decodeLocalSource],
  [StorageSource.LocalDirectory, decodeLocalSource],
];

/** A refusal of one field: its message as the submitter should read it, and how to fix it. */
interface Refusal {
  readonly problem: string;
  readonly hint?: string;
}

/**
 * Throws a ValidationError listing every refusal (with the first one's hint): each task's engine
 * params, input sources and mounts. Refusals `ignored` says of are left out and returned instead.
 */
export function checkBuiltinParams(job: Job, ignored: (problem: string) => boolean = () => false): string[] {
  const all = job.Tasks.flatMap((task, i) => [
    ...engineRefusals(task),
    ...(task.InputSources ?? []).flatMap((input, j) =>
      inputRefusals(input).map((r) => ({ ...r, problem: `Tasks[${i}].InputSources[${j}].${r.problem}` })),
    ),
    ...mountRefusals(task, i),
    ...moduleRefusals(task, i),
  ]);
  const refusals = all.filter((r) => !ignored(r.problem));
  if (refusals.length === 0) return all.map((r) => r.problem);
  throw invalidJobSpec(
    refusals.map((r) => r.problem),
    refusals.find((r) => r.hint !== undefined)?.hint,
  );
}

function engineRefusals(task: Task): Refusal[] {
  return task.Engine === undefined ? [] : decodeWith(engineDecoders, task.Engine.Type, task.Engine);
}

function inputRefusals(input: InputSource): Refusal[] {
  const missing = missingInputParam(input);
  if (missing !== undefined) return [{ problem: `Source.Params.${missing}` }];
  return decodeWith(sourceDecoders, input.Source?.Type ?? '', input);
}

/** The refusal of the decoder registered for `type`, if any refuses. */
function decodeWith<T>(decoders: Decoders<T>, type: string, value: T): Refusal[] {
  const decode = decoders.find(([known]) => isSpecType({ Type: type }, known))?.[1];
  if (decode === undefined) return [];
  try {
    decode(value);
    return [];
  } catch (err) {
    if (!(err instanceof BacalhauError)) throw err;
    return [{ problem: err.message, ...(err.hint === undefined ? {} : { hint: err.hint }) }];
  }
}

/**
 * Both executors bind each input at its Target and each result folder at its Path, and refuse two
 * mounts at one place; Docker also needs absolute targets (WASM resolves relative ones from "/").
 */
function mountRefusals(task: Task, index: number): Refusal[] {
  const docker = isSpecType(task.Engine, Engine.Docker);
  if (!docker && !isSpecType(task.Engine, Engine.Wasm)) return [];
  const refusals: Refusal[] = [];
  const targets: MountPoints = new Map();
  const paths: MountPoints = new Map();
  (task.InputSources ?? []).forEach((input, j) => {
    const field = `Tasks[${index}].InputSources[${j}].Target`;
    if (docker && !input.Target.startsWith('/')) {
      refusals.push({
        problem: `${field}: "${input.Target}" must be an absolute path in the container, e.g. "/inputs/${input.Target}"`,
        hint: 'Give every input of a Docker task an absolute Target.',
      });
    } else if (docker) {
      refusals.push(...dockerMountRefusals(field, input.Target));
    }
    const first = claimMountPoint(targets, input.Target, j);
    if (first === undefined) return;
    refusals.push({
      problem: `${field}: "${input.Target}" is the same place as InputSources[${first.index}].Target "${first.path}": two inputs cannot be mounted at one place`,
      hint: 'Give each input a Target of its own.',
    });
  });
  (task.ResultPaths ?? []).forEach((result, k) => {
    if (!result.Path.startsWith('/')) return; // refused with the result path's own checks
    const field = `Tasks[${index}].ResultPaths[${k}].Path`;
    if (docker) refusals.push(...dockerMountRefusals(field, result.Path));
    const first = claimMountPoint(paths, result.Path, k);
    if (first !== undefined) {
      refusals.push({
        problem: `${field}: "${result.Path}" is the same place as ResultPaths[${first.index}].Path "${first.path}": results need a folder each`,
        hint: 'Give each result path a Path of its own.',
      });
    }
    const input = targets.get(mountPoint(result.Path));
    if (input === undefined) return;
    refusals.push({
      problem: `${field}: "${result.Path}" is also the Target of InputSources[${input.index}]: results need a folder of their own`,
      hint: 'Give the result path a Path that no input uses as its Target.',
    });
  });
  return refusals;
}

/** The first path (and its index in its list) at each mount point. */
type MountPoints = Map<string, { readonly index: number; readonly path: string }>;

/**
 * Notes `path`, the `index`th of its list, at its mount point; returns the first one there when it
 * was written otherwise (`/data` and `/data/`). The same text twice is refused with Go's words (task.ts).
 */
function claimMountPoint(
  firsts: MountPoints,
  path: string,
  index: number,
): { readonly index: number; readonly path: string } | undefined {
  const at = mountPoint(path);
  const first = firsts.get(at);
  if (first === undefined) firsts.set(at, { index, path });
  return first !== undefined && first.path !== path ? first : undefined;
}

/** The files in /proc runc lets a bind mount cover (its `checkProcMount`: what lxcfs emulates). */
const procFilesMountable = new Set([
  '/proc/cpuinfo',
  '/proc/diskstats',
  '/proc/meminfo',
  '/proc/stat',
  '/proc/swaps',
  '/proc/uptime',
  '/proc/loadavg',
  '/proc/slabinfo',
  '/proc/net/dev',
  '/proc/sys/kernel/ns_last_pid',
]);

/**
 * Places the container runtime refuses to mount at, when the container is created (Go leaves them to
 * it): the root of the container, and /proc, which runc keeps for itself but a few files.
 */
function dockerMountRefusals(field: string, path: string): Refusal[] {
  const at = mountPoint(path);
  const place =
    at === '/'
      ? "the container's root"
      : (at === '/proc' || at.startsWith('/proc/')) && !procFilesMountable.has(at)
        ? 'inside /proc, which the container runtime keeps for itself'
        : undefined;
  if (place === undefined) return [];
  return [
    {
      problem: `${field}: "${path}" is ${place}: Docker cannot mount there`,
      hint: 'Mount inputs and results at folders of their own, e.g. /inputs and /outputs.',
    },
  ];
}

/**
 * The WASM executor loads EntryModule and each ImportModules path from the inputs: a path at or inside an
 * input's Target, or a folder holding exactly one `.wasm` input (modules.ts). Params the engine decoder
 * refuses are reported by it. Both lists come from the submitter and may be tens of thousands long:
 * each module path is looked up, never compared with every input, and each inline input is read once.
 */
function moduleRefusals(task: Task, index: number): Refusal[] {
  if (task.Engine === undefined || !isSpecType(task.Engine, Engine.Wasm)) return [];
  let params: ReturnType<typeof decodeWasmSpec>;
  try {
    params = decodeWasmSpec(task.Engine);
  } catch {
    return [];
  }
  const inputs = new TaskInputs(task.InputSources ?? []);
  const folders = fewestMounts(inputs, task.ResultPaths ?? []);
  // the executor loads each distinct path once (modules.ts)
  const modules = 1 + new Set(params.ImportModules).size;
  if (modules * folders > MaxWasmOpenFolders) {
    return [
      { problem: `Tasks[${index}]: ${tooManyWasmFolders(modules, folders)}`, hint: TooManyWasmFoldersHint },
    ];
  }
  const paths: [field: string, path: string][] = [
    ['EntryModule', params.EntryModule],
    ...params.ImportModules.map((path, k): [string, string] => [`ImportModules[${k}]`, path]),
  ];
  return paths.flatMap(([field, path]) => {
    const wanted = mountPoint(path);
    const problem = (text: string): Refusal[] => [
      {
        problem: `Tasks[${index}].Engine.Params.${field}: "${path}" ${text}`,
        hint: `Set ${field} to the Target of the input that holds the module (wasm run uploads a local file as one)`,
      },
    ];
    if (inputs.holds(wanted)) return inlineModuleRefusals(inputs, index, field, wanted);
    const wasmInputsIn = inputs.wasmInputsIn(wanted);
    const [onlyWasmInput] = wasmInputsIn;
    if (wasmInputsIn.length === 1 && onlyWasmInput !== undefined) {
      return inlineModuleRefusals(inputs, index, field, onlyWasmInput);
    }
    if (wasmInputsIn.length > 1) {
      return problem(`is a folder holding ${wasmInputsIn.length} .wasm inputs: name one of them`);
    }
    return problem(`is not the Target of an input, nor inside one (${inputs.listing()})`);
  });
}

/**
 * The fewest folders the WASM executor mounts for a task (mounts.ts): at least one per folder holding
 * an input's Target (a folder input is mounted at its Target, file inputs in the folder of theirs);
 * each result path at its Path and, unless something is mounted there, at /<Name>.
 */
function fewestMounts(inputs: TaskInputs, results: readonly ResultPath[]): number {
  const resultMounts = new Set(results.map((result) => mountPoint(result.Path)));
  for (const result of results) {
    const alias = mountPoint(`/${result.Name}`);
    if (!inputs.mayMountAt(alias)) resultMounts.add(alias);
  }
  return inputs.parents.size + resultMounts.size;
}

/** A task's inputs by where they are mounted, for the module checks. */
class TaskInputs {
  readonly #targets: string[];
  readonly #mounted: Set<string>;
  /** The `.wasm` inputs mounted directly in each folder (a urlDownload input is at `<Target>/<file>`). */
  readonly #wasmByFolder = new Map<string, string[]>();
  /** The first inline input at each mount point, by index. */
  readonly #inlineAt = new Map<string, number>();
  /** What each inline input's first bytes say, once read: undefined for a module (or an archive). */
  readonly #notWasm = new Map<number, string | undefined>();
  readonly #inputs: readonly InputSource[];
  /** The folders holding a Target: where file inputs are mounted (a folder input is at its Target). */
  readonly parents: ReadonlySet<string>;

  constructor(inputs: readonly InputSource[]) {
    this.#inputs = inputs;
    this.#targets = inputs.map((input) => mountPoint(input.Target));
    this.#mounted = new Set(this.#targets);
    const parents = new Set<string>();
    this.parents = parents;
    this.#targets.forEach((target, j) => {
      const folder = mountPoint(`${target}/..`);
      parents.add(folder);
      if (target.endsWith('.wasm')) {
        const inFolder = this.#wasmByFolder.get(folder);
        if (inFolder === undefined) this.#wasmByFolder.set(folder, [target]);
        else inFolder.push(target);
      }
      const input = inputs[j];
      if (isSpecType(input?.Source, StorageSource.Inline) && !this.#inlineAt.has(target)) {
        this.#inlineAt.set(target, j);
      }
    });
  }

  /** Whether an input may be mounted at `path`: its Target, or the folder of its Target. */
  mayMountAt(path: string): boolean {
    return this.#mounted.has(path) || this.parents.has(path);
  }

  /** Whether `path` (a mount point) is an input's Target or inside one. */
  holds(path: string): boolean {
    for (let at = path; ; at = mountPoint(`${at}/..`)) {
      if (this.#mounted.has(at)) return true;
      if (at === '/') return false;
    }
  }

  wasmInputsIn(folder: string): readonly string[] {
    return this.#wasmByFolder.get(folder) ?? [];
  }

  /** The targets, for a message: the first {@link MaxListedLines}, then how many more. */
  listing(): string {
    if (this.#targets.length === 0) return 'the task has no inputs';
    const more = this.#targets.length - MaxListedLines;
    const shown = this.#targets.slice(0, MaxListedLines).join(', ');
    return `input targets: ${shown}${more > 0 ? `, … and ${more} more` : ''}`;
  }

  /** The inline input mounted at `path`, and why it is not a WebAssembly module (undefined: it is one). */
  inlineAt(path: string): { index: number; notWasm: string | undefined } | undefined {
    const index = this.#inlineAt.get(path);
    if (index === undefined) return undefined;
    if (!this.#notWasm.has(index)) this.#notWasm.set(index, notWasmReason(this.#inputs[index]!));
    return { index, notWasm: this.#notWasm.get(index) };
  }
}

/**
 * An inline input whose Target is the module's mount point holds the module itself, unless it is an archive
 * (unpacked into a folder there): its first bytes say whether it is WebAssembly, so that text or an
 * image sent by mistake is refused here rather than failing to compile on every node it is tried on.
 */
function inlineModuleRefusals(inputs: TaskInputs, index: number, field: string, module: string): Refusal[] {
  const inline = inputs.inlineAt(module);
  if (inline?.notWasm === undefined) return [];
  return [
    {
      problem: `Tasks[${index}].Engine.Params.${field}: "${module}" is the inline data of InputSources[${inline.index}], which is not a WebAssembly module (${inline.notWasm})`,
      hint: wasmBuildHint(field),
    },
  ];
}

/** What an inline input's first bytes are when they are not a module's; undefined for a module or an archive. */
function notWasmReason(input: InputSource): string | undefined {
  let content: DataUrl;
  try {
    content = decodeInlineSource(input);
  } catch {
    return undefined; // refused with the input's own checks
  }
  if (content.mediaType === GzipMediaType) return undefined;
  const start = content.data.subarray(0, WasmMagic.length);
  if (!start.equals(WasmMagic)) {
    const what =
      start.length === 0 ? 'it is empty' : `it starts with ${JSON.stringify(start.toString('latin1'))}`;
    return `${what}, not "\\0asm"`;
  }
  // a component (WASI preview2) has the magic too, and another version: runtimes say only "expected version 1"
  const version = content.data.subarray(WasmMagic.length, WasmMagic.length + CoreVersion.length);
  if (version.equals(CoreVersion)) return undefined;
  if (version.length < CoreVersion.length) return 'it ends before its format version';
  return `its format version is ${version.toString('hex').replace(/(..)(?!$)/g, '$1 ')}, not 01 00 00 00: a WASI preview2 component, or no WebAssembly at all`;
}

/** Every WebAssembly binary starts with these four bytes. */
const WasmMagic = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
/** What follows them in a core module (the kind WASI preview1 runs). */
const CoreVersion = Buffer.from([0x01, 0x00, 0x00, 0x00]);

/** Where a Target or Path is mounted: resolved from "/", so "/data/", "data" and "/x/../data" are one. */
function mountPoint(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  }
  return `/${segments.join('/')}`;
}
