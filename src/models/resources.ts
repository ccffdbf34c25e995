/**
 * Task resources (Bacalhau `pkg/models/resource.go`): the wire strings a job asks for
 * (`ResourcesConfig`), their parsed form (`Resources`), validation, and the arithmetic the scheduler and
 * the compute node use.
 *
 * Parsers, as Bacalhau uses them (facts read from the libraries Bacalhau pins, written here in our words):
 * - CPU: `github.com/BTBurke/k8sresource` `NewCPUFromString`, which is NOT k8s `resource.Quantity`.
 *   A value ending in `m` is an integer count of millicores (Go `strconv.Atoi` of the rest: optional
 *   sign, ASCII digits, int64 range); anything else goes through Go `strconv.ParseFloat` (sign, decimals,
 *   exponents, `_` digit separators, hex floats like `0x1p-2`, `inf`, `nan`) and is truncated toward zero
 *   to whole millicores. So `500m` = 0.5, `0.5` = 0.5, `1e3` = 1000, `0.0005` = 0, `-1` = -1 (rejected
 *   later by `validateResources`), while k8s suffixes such as `2k`, `1Gi` or `0.5m` are invalid. After
 *   Bacalhau's normalisation (lower-casing) `500M` means 500 millicores, not 500 mega-cores.
 * - Memory, Disk: `github.com/dustin/go-humanize` `ParseBytes` (see {@link parseBytes}).
 * - GPU: Go `strconv.ParseUint(s, 10, 64)`: ASCII digits only, no sign.
 *
 * Numbers: Bacalhau's byte counts and GPU counts are uint64; here they are JS numbers. Parsing loses
 * nothing: `ParseBytes` computes in float64 and truncates, so every value it can return is a double
 * already. Only arithmetic on values above 2^53 bytes (8 PiB) can round where Go's uint64 is exact, and
 * a GPU count above 2^53 is stored rounded; neither occurs in practice.
 *
 * JSON: `ResourcesConfig` fields and all `Resources` fields are `omitempty` in Go (zero numbers, empty
 * strings and an empty `GPUs` list are left out); `GPU` has no tags, so all its fields are always
 * written. The codec in schemas.ts owns that layout.
 */
import { BacalhauError, ErrorCode } from './bacerrors.js';
import {
  goToLower,
  goTrimSpace,
  goCompareStrings,
  goQuote,
  goFormatFixed,
  goFormatInt,
  goParseInt,
  goParseFloat,
} from './go-compat.js';

/** What a task asks for, as strings (Go field `Task.ResourcesConfig`, JSON key `Resources`). */
export interface ResourcesConfig {
  /** Cores: `1`, `0.5`, `500m`. */
  CPU?: string;
  /** Bytes, go-humanize syntax: `512Mb`, `1.5gb`, `1Gi`, `1073741824`. */
  Memory?: string;
  /** Bytes, same syntax as Memory. */
  Disk?: string;
  /** Whole GPUs. */
  GPU?: string;
}

export const GPUVendor = {
  Nvidia: 'NVIDIA',
  AMDATI: 'AMD/ATI',
  Intel: 'Intel',
} as const;
export type GPUVendor = (typeof GPUVendor)[keyof typeof GPUVendor];

/** One GPU of a compute node (Go `models.GPU`; no JSON tags, so every field is always written). */
export interface GPU {
  /** Self-reported index of the device in the system. */
  Index: number;
  /** Model name, e.g. `Tesla T4`. */
  Name: string;
  Vendor: GPUVendor;
  /** Total memory in MiB. */
  Memory: number;
  /** PCI address `AAAA:BB:CC.C`. */
  PCIAddress: string;
}

/** Parsed resources: CPU in cores, Memory and Disk in bytes, GPU as a count (Go `models.Resources`). */
export interface Resources {
  CPU: number;
  Memory: number;
  Disk: number;
  GPU: number;
  /** Details of some or all of the `GPU` devices; never more entries than `GPU`. */
  GPUs?: GPU[];
}

function validationError(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ValidationError, component: 'models' });
}

// ---------------------------------------------------------------------------------------------------
// Normalisation and parsing
// ---------------------------------------------------------------------------------------------------

/** Bacalhau's `sanitizeResourceString`: lower-case, then remove every space and `\n` (nothing else). */
function sanitizeResourceString(s: string): string {
  return goToLower(s).replaceAll(' ', '').replaceAll('\n', '');
}

/**
 * Bacalhau's `ResourcesConfig.Normalize`: every field lower-cased with spaces and newlines removed
 * (tabs and `\r` stay). Returns a new object; absent fields stay absent.
 */
export function normalizeResourcesConfig(rc: ResourcesConfig | null | undefined): ResourcesConfig {
  const out: ResourcesConfig = {};
  // Anything but a string (an unchecked `null` from decoded JSON) counts as absent, as Go's "" would.
  if (typeof rc?.CPU === 'string') out.CPU = sanitizeResourceString(rc.CPU);
  if (typeof rc?.Memory === 'string') out.Memory = sanitizeResourceString(rc.Memory);
  if (typeof rc?.Disk === 'string') out.Disk = sanitizeResourceString(rc.Disk);
  if (typeof rc?.GPU === 'string') out.GPU = sanitizeResourceString(rc.GPU);
  return out;
}

const TWO_63 = 2 ** 63;

/**
 * Cores from a CPU string, with k8sresource's `NewCPUFromString` semantics (see the file comment).
 * The string is taken as given: callers that follow Bacalhau normalise first.
 *
 * Deliberate fix: Go converts `ParseFloat(s) * 1000` to `int` without a range check, so `inf`, `nan`
 * and values of 2^63 millicores or more become an implementation-defined integer (on amd64 the most
 * negative int64, which `Resources.Validate` then rejects as a negative CPU; on arm64 a saturated huge
 * value that is accepted). Here they are rejected as `invalid CPU value: <s>`.
 *
 * @throws BacalhauError (ValidationError) `invalid CPU value: <s>`
 */
export function parseCpu(s: string): number {
  if (s.endsWith('m')) {
    const millicores = goParseInt(s.slice(0, -1));
    if (millicores === undefined) throw validationError(`invalid CPU value: ${s}`);
    return Number(millicores) / 1000;
  }
  const parsed = goParseFloat(s);
  const millicores = parsed.error === undefined ? parsed.value * 1000 : NaN;
  if (!(millicores >= -TWO_63 && millicores < TWO_63)) throw validationError(`invalid CPU value: ${s}`);
  // `+ 0` turns the -0 of a truncated small negative into 0, as Go's int conversion does.
  return (Math.trunc(millicores) + 0) / 1000;
}

const KB = 1000;
const KiB = 1024;
/** go-humanize `bytesSizeTable`: SI units are powers of 1000, IEC units powers of 1024. */
const bytesSizeTable: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  ['k', KB],
  ['kb', KB],
  ['ki', KiB],
  ['kib', KiB],
  ['m', KB ** 2],
  ['mb', KB ** 2],
  ['mi', KiB ** 2],
  ['mib', KiB ** 2],
  ['g', KB ** 3],
  ['gb', KB ** 3],
  ['gi', KiB ** 3],
  ['gib', KiB ** 3],
  ['t', KB ** 4],
  ['tb', KB ** 4],
  ['ti', KiB ** 4],
  ['tib', KiB ** 4],
  ['p', KB ** 5],
  ['pb', KB ** 5],
  ['pi', KiB ** 5],
  ['pib', KiB ** 5],
  ['e', KB ** 6],
  ['eb', KB ** 6],
  ['ei', KiB ** 6],
  ['eib', KiB ** 6],
]);

const TWO_64 = 2 ** 64;

/**
 * Bytes from a size string, exactly as go-humanize `ParseBytes`:
 * - the number is the longest prefix of Unicode decimal digits, `.` and `,`; commas are dropped
 *   (`1,000` = 1000) and the rest must be a plain decimal (`1`, `1.5`, `.5`, `1.`); no sign, no
 *   exponent. A non-ASCII digit in that prefix makes Go slice the string mid-character, which always
 *   fails, so it is an error here too;
 * - the rest, trimmed of white space and lower-cased, must be a unit of the table: ``, `b`,
 *   `k`/`kb` (1000), `ki`/`kib` (1024), and likewise m, g, t, p, e; so `512Mb` = 512 000 000,
 *   `1.5gb` = 1 500 000 000, `1Gi` = 1 073 741 824, `42 MiB` = 44 040 192;
 * - the product is truncated to an integer; 2^64 or more is an error.
 *
 * @throws BacalhauError (ValidationError) with go-humanize's message (`strconv.ParseFloat: parsing "…":
 *   invalid syntax`, `unhandled size name: …`, `too large: …`); Bacalhau replaces these with
 *   `invalid memory value: <s>` / `invalid disk value: <s>`, see {@link validateResourcesConfig}.
 */
export function parseBytes(s: string): number {
  let end = 0;
  let hasComma = false;
  let nonAscii = false;
  for (const ch of s) {
    if (!(ch === '.' || ch === ',' || /^\p{Nd}$/u.test(ch))) break;
    if (ch === ',') hasComma = true;
    if (ch > '\u007f') nonAscii = true;
    end += ch.length;
  }
  let num = s.slice(0, end);
  if (hasComma) num = num.replaceAll(',', '');
  if (nonAscii || !/^(?:\d+\.?\d*|\.\d+)$/.test(num)) {
    throw validationError(`strconv.ParseFloat: parsing ${goQuote(num)}: invalid syntax`);
  }
  let value = Number(num);
  if (!Number.isFinite(value)) {
    throw validationError(`strconv.ParseFloat: parsing ${goQuote(num)}: value out of range`);
  }
  const unit = goToLower(goTrimSpace(s.slice(end)));
  const multiplier = bytesSizeTable.get(unit);
  if (multiplier === undefined) throw validationError(`unhandled size name: ${unit}`);
  value *= multiplier;
  if (value >= TWO_64) throw validationError(`too large: ${s}`);
  return Math.trunc(value);
}

/**
 * GPU count, as Go `strconv.ParseUint(s, 10, 64)`: ASCII digits only (no sign, no `_`, no decimals),
 * at most 2^64-1.
 *
 * @throws BacalhauError (ValidationError) `invalid GPU value: <s>`
 */
export function parseGpu(s: string): number {
  if (!/^\d+$/.test(s) || BigInt(s) >= 1n << 64n) throw validationError(`invalid GPU value: ${s}`);
  return Number(s);
}

/** Normalises, then parses every non-empty field; problems use Bacalhau's messages. */
function convert(rc: ResourcesConfig | null | undefined): { resources: Resources; problems: string[] } {
  const n = normalizeResourcesConfig(rc);
  const resources = zeroResources();
  const problems: string[] = [];
  const attempt = (raw: string | undefined, message: string, parse: (s: string) => number): number => {
    if (raw === undefined || raw === '') return 0;
    try {
      return parse(raw);
    } catch {
      problems.push(`${message}: ${raw}`);
      return 0;
    }
  };
  resources.CPU = attempt(n.CPU, 'invalid CPU value', parseCpu);
  resources.Memory = attempt(n.Memory, 'invalid memory value', parseBytes);
  resources.Disk = attempt(n.Disk, 'invalid disk value', parseBytes);
  resources.GPU = attempt(n.GPU, 'invalid GPU value', parseGpu);
  return { resources, problems };
}

/**
 * Bacalhau's `ResourcesConfig.ToResources`: normalises a copy, then parses each non-empty field
 * (empty fields are 0). Uses the same parsing as {@link validateResourcesConfig}, so the two never
 * disagree. Does not apply the `Resources.Validate` checks (a negative CPU converts fine).
 *
 * Difference: Go returns only the GPU error when the GPU value is bad, dropping any CPU, memory or disk
 * error found before it; here every bad field is reported, one message per line (Go's `errors.Join`).
 *
 * @throws BacalhauError (ValidationError) `invalid CPU value: <s>`, `invalid memory value: <s>`,
 *   `invalid disk value: <s>`, `invalid GPU value: <s>` (normalised values), joined by `\n`
 */
export function toResources(rc: ResourcesConfig | null | undefined): Resources {
  const { resources, problems } = convert(rc);
  if (problems.length > 0) throw validationError(problems.join('\n'));
  return resources;
}

/**
 * Bacalhau's `ResourcesConfig.Validate`: the parse problems of {@link toResources} (values shown
 * normalised, e.g. `invalid CPU value: 1x` for `1 X`); if there are none, the problems of
 * {@link validateResources}. Empty = valid. An empty or absent config is valid (the server fills
 * defaults), as in Go where a nil config validates.
 *
 * The caller adds the prefix: Go's `Task.ValidateSubmission` wraps the joined error once as
 * `invalid resources: <problems joined by \n>`.
 */
export function validateResourcesConfig(rc: ResourcesConfig | null | undefined): string[] {
  const { resources, problems } = convert(rc);
  return problems.length > 0 ? problems : validateResources(resources);
}

/**
 * Bacalhau's `Resources.Validate`: a negative CPU is `invalid CPU value: %f` (six decimals, e.g.
 * `invalid CPU value: -0.500000`), and more GPU details than GPUs is
 * `%d GPUs specified but have details for %d`. There are no other limits.
 */
export function validateResources(r: Resources): string[] {
  const problems: string[] = [];
  if (r.CPU < 0) problems.push(`invalid CPU value: ${goFormatFixed(r.CPU, 6)}`);
  const details = r.GPUs?.length ?? 0;
  if (details > r.GPU) problems.push(`${goFormatInt(r.GPU)} GPUs specified but have details for ${details}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Arithmetic (all functions return new objects and never mutate their arguments)
// ---------------------------------------------------------------------------------------------------

export function zeroResources(): Resources {
  return { CPU: 0, Memory: 0, Disk: 0, GPU: 0 };
}

/** Deep copy. An empty GPU list is dropped (it is not written to JSON either). */
export function copyResources(r: Resources): Resources {
  return withGpus({ CPU: r.CPU, Memory: r.Memory, Disk: r.Disk, GPU: r.GPU }, r.GPUs);
}

function withGpus(r: Resources, gpus: readonly GPU[] | undefined): Resources {
  if (gpus !== undefined && gpus.length > 0) r.GPUs = gpus.map((g) => ({ ...g }));
  return r;
}

/** Go's `GPU.Less`: orders by Index, Name, Vendor, Memory, then PCIAddress (byte-wise strings). */
export function gpuLess(a: GPU, b: GPU): boolean {
  if (a.Index !== b.Index) return a.Index < b.Index;
  if (a.Name !== b.Name) return goCompareStrings(a.Name, b.Name) < 0;
  if (a.Vendor !== b.Vendor) return goCompareStrings(a.Vendor, b.Vendor) < 0;
  if (a.Memory !== b.Memory) return a.Memory < b.Memory;
  return goCompareStrings(a.PCIAddress, b.PCIAddress) < 0;
}

function sameGpu(a: GPU, b: GPU): boolean {
  return (
    a.Index === b.Index &&
    a.Name === b.Name &&
    a.Vendor === b.Vendor &&
    a.Memory === b.Memory &&
    a.PCIAddress === b.PCIAddress
  );
}

/**
 * A sum or difference of cores, to the nanocore. Deliberate fix: Go adds and subtracts float64 cores
 * as they come, so a node's count of cores in use drifts (0.2 + 0.4 + 0.3 taken back leaves 1.7e-16
 * in use, and a task asking for the whole node never fits again); parsed CPU is whole millicores.
 */
function cores(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

/** Go's `Resources.Add`: field-wise sum; GPU details are concatenated. */
export function add(a: Resources, b: Resources): Resources {
  return withGpus(
    { CPU: cores(a.CPU + b.CPU), Memory: a.Memory + b.Memory, Disk: a.Disk + b.Disk, GPU: a.GPU + b.GPU },
    [...(a.GPUs ?? []), ...(b.GPUs ?? [])],
  );
}

/**
 * Go's `Resources.Sub`: field-wise `a - b`, where a field of `b` larger than `a`'s gives 0 (Go also
 * logs a warning then; models do not log). GPU details: those of `a` not present in `b` (`lo.Difference`).
 */
export function sub(a: Resources, b: Resources): Resources {
  const gpus = (a.GPUs ?? []).filter((g) => !(b.GPUs ?? []).some((o) => sameGpu(g, o)));
  return withGpus(
    {
      CPU: b.CPU > a.CPU ? 0 : cores(a.CPU - b.CPU),
      Memory: b.Memory > a.Memory ? 0 : a.Memory - b.Memory,
      Disk: b.Disk > a.Disk ? 0 : a.Disk - b.Disk,
      GPU: b.GPU > a.GPU ? 0 : a.GPU - b.GPU,
    },
    gpus,
  );
}

/**
 * Go's `Resources.Multiply`: CPU times the factor; Memory, Disk and GPU times the factor truncated to
 * integers. GPU details are not carried over (as in Go). Deliberate fix: a negative product, which Go
 * converts to uint64 in an implementation-defined way, is 0 here.
 */
export function multiply(r: Resources, factor: number): Resources {
  const whole = (n: number): number => Math.max(0, Math.trunc(n * factor));
  return { CPU: r.CPU * factor, Memory: whole(r.Memory), Disk: whole(r.Disk), GPU: whole(r.GPU) };
}

/**
 * Go's `Resources.Merge`: `r` with every zero (CPU: zero or negative) field, and an empty GPU list,
 * taken from `defaults`.
 */
export function merge(r: Resources, defaults: Resources): Resources {
  return withGpus(
    {
      CPU: r.CPU <= 0 ? defaults.CPU : r.CPU,
      Memory: r.Memory <= 0 ? defaults.Memory : r.Memory,
      Disk: r.Disk <= 0 ? defaults.Disk : r.Disk,
      GPU: r.GPU <= 0 ? defaults.GPU : r.GPU,
    },
    (r.GPUs ?? []).length > 0 ? r.GPUs : defaults.GPUs,
  );
}

/** Go's `Resources.Max`: field-wise maximum; GPU details are those of `a`. */
export function max(a: Resources, b: Resources): Resources {
  return withGpus(
    {
      CPU: Math.max(a.CPU, b.CPU),
      Memory: Math.max(a.Memory, b.Memory),
      Disk: Math.max(a.Disk, b.Disk),
      GPU: Math.max(a.GPU, b.GPU),
    },
    a.GPUs,
  );
}

/** Go's `Resources.LessThan`: every one of the four dimensions strictly smaller. */
export function lessThan(a: Resources, b: Resources): boolean {
  return a.CPU < b.CPU && a.Memory < b.Memory && a.Disk < b.Disk && a.GPU < b.GPU;
}

/** Go's `Resources.LessThanEq`: every one of the four dimensions smaller or equal (fits). */
export function lessThanEq(a: Resources, b: Resources): boolean {
  return a.CPU <= b.CPU && a.Memory <= b.Memory && a.Disk <= b.Disk && a.GPU <= b.GPU;
}

/** Go's `Resources.IsZero`: all four dimensions are 0 (GPU details are not looked at). */
export function isZero(r: Resources): boolean {
  return r.CPU === 0 && r.Memory === 0 && r.Disk === 0 && r.GPU === 0;
}

/** Go's `AllocatedResources.Total`: the sum of the given resources (zero when there are none). */
export function sumResources(list: Iterable<Resources>): Resources {
  let total = zeroResources();
  for (const r of list) total = add(total, r);
  return total;
}

/**
 * Go's `Resources.String`, used in `insufficient resources - requested: %s, available: %s`:
 * `{CPU: 0.50, Memory: 512 MB, Disk: 0 B, GPU: 0}` (CPU with two decimals, bytes through
 * {@link humanizeBytes}).
 */
export function formatResources(r: Resources): string {
  return (
    `{CPU: ${goFormatFixed(r.CPU, 2)}, Memory: ${humanizeBytes(r.Memory)}, ` +
    `Disk: ${humanizeBytes(r.Disk)}, GPU: ${goFormatInt(r.GPU)}}`
  );
}

/**
 * go-humanize `Bytes`: SI units with about two significant digits, `0 B`…`9 B`, `10 B`, `1.5 kB`,
 * `512 MB`, `1.1 GB`, `100 MB` (for 100.5 MB: Go rounds half to even).
 */
export function humanizeBytes(bytes: number): string {
  return humanateBytes(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']);
}

/** go-humanize `IBytes`: the same with IEC units, e.g. `1.0 GiB`, `79 MiB`. */
export function humanizeIBytes(bytes: number): string {
  return humanateBytes(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']);
}

function humanateBytes(bytes: number, base: number, sizes: readonly string[]): string {
  if (bytes < 10) return `${goFormatInt(bytes)} B`;
  const exponent = Math.floor(Math.log(bytes) / Math.log(base));
  const suffix = sizes[exponent] ?? sizes[sizes.length - 1] ?? '';
  // Two significant digits (go-humanize's minDigits = 2): one decimal, rounded half up.
  const value = Math.floor((bytes / base ** exponent) * 10 + 0.5) / 10;
  const integerDigits = Math.trunc(value) === 0 ? 0 : String(Math.trunc(value)).length;
  return `${goFormatFixed(value, Math.max(0, 2 - integerDigits))} ${suffix}`;
}
