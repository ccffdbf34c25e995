/**
 * Task networking (Bacalhau `pkg/models/network.go`): the network mode, the domains an `HTTP` job may
 * reach, and port mappings, with Bacalhau's validation messages.
 *
 * JSON: `NetworkConfig.Type` travels as its name (`MarshalText`/`UnmarshalText`): `"Default"`, … A
 * JSON number is NOT accepted for it (Go's decoder refuses numbers for a TextUnmarshaler); `null`
 * leaves it unchanged; a missing key means `Default`; `""` is an error. `Domains` and `Ports` are
 * `omitempty`. `Port.Name` is always written, `Static`, `Target`, `HostNetwork` are `omitempty`.
 */
import { BacalhauError, ErrorCode } from './bacerrors.js';
import { goCompareStrings, goQuote, goToLower, goTrimSpace } from './go-compat.js';
import { appendAll } from './validate.js';

/** Network modes, by wire name. */
export const NetworkType = {
  /** The executor decides: docker uses `bridge`, wasm `host`; nodes rejecting networked jobs use none. */
  Default: 'Default',
  None: 'None',
  /** The host's network namespace. */
  Host: 'Host',
  /** Deprecated alias of Host, kept for compatibility (sent instead of Host to older nodes). */
  Full: 'Full',
  /** Egress only through an HTTP proxy allowing `Domains`. */
  HTTP: 'HTTP',
  /** An isolated network namespace on a bridge; supports port mappings with `Target`. */
  Bridge: 'Bridge',
} as const;
export type NetworkType = (typeof NetworkType)[keyof typeof NetworkType];

/** The Go integer values, by index: Default 0, None 1, Host 2, Full 3, HTTP 4, Bridge 5. */
export const networkTypeCodes: readonly NetworkType[] = ['Default', 'None', 'Host', 'Full', 'HTTP', 'Bridge'];

export function networkTypeToInt(type: NetworkType): number {
  return networkTypeCodes.indexOf(type);
}

/** The mode with Go integer value `n`, or undefined when there is none. */
export function networkTypeFromInt(n: number): NetworkType | undefined {
  return Number.isInteger(n) ? networkTypeCodes[n] : undefined;
}

/** Go's `Network.String()` for an integer, including `Network(7)` for values outside the enum. */
export function networkTypeName(n: number): string {
  return networkTypeFromInt(n) ?? `Network(${n})`;
}

/**
 * Go's `ParseNetwork`: the mode whose name equals the input trimmed of white space, compared with
 * Go's `strings.EqualFold` (so `http`, ` HTTP `, and even `hoſt` with a long s are accepted). Numbers
 * are not accepted, as in Go.
 *
 * @throws BacalhauError (ValidationError) `models.Network: unknown type '<s>'` (untrimmed input)
 */
export function parseNetworkType(s: string): NetworkType {
  const wanted = goTrimSpace(s);
  const found = networkTypeCodes.find((name) => goEqualFold(name, wanted));
  if (found === undefined) {
    throw new BacalhauError(`models.Network: unknown type '${s}'`, {
      code: ErrorCode.ValidationError,
      component: 'models',
    });
  }
  return found;
}

/**
 * Go's `strings.EqualFold` where `ascii` is ASCII: besides ASCII case, the only code points that fold
 * onto ASCII letters are U+017F (ſ, folds to s) and U+212A (Kelvin sign, folds to k).
 */
function goEqualFold(ascii: string, other: string): boolean {
  const chars = [...other];
  if (chars.length !== ascii.length) return false;
  return chars.every((ch, i) => {
    const want = (ascii[i] ?? '').toLowerCase();
    const got =
      ch === '\u017f'
        ? 's'
        : ch === '\u212a'
          ? 'k'
          : ch.length === 1 && ch <= '\u007f'
            ? ch.toLowerCase()
            : ch;
    return got === want;
  });
}

/** Whether ports may be mapped in this mode (Go `SupportPortAllocation`): Host, Full and Bridge. */
export function supportsPortAllocation(type: NetworkType): boolean {
  return type === NetworkType.Host || type === NetworkType.Bridge || type === NetworkType.Full;
}

/** Go `Network.Disabled`: only `None` disables networking. */
export function isNetworkDisabled(type: NetworkType): boolean {
  return type === NetworkType.None;
}

/** Lowest port a job may map on the host: privileged ports (below 1024) are refused. */
export const MinimumPort = 1024;
export const MaximumPort = 65535;
/** Prefix of the job environment variable that carries a mapped host port. */
export const EnvVarHostPortPrefix = 'BACALHAU_HOST_PORT_';
/** Longest port name, so that `BACALHAU_HOST_PORT_<Name>` stays within 256 characters: 237. */
export const MaxPortNameLength = 256 - EnvVarHostPortPrefix.length;

/** A port mapping (Go `models.Port`). */
export interface Port {
  /** Required; an environment-variable-style name (the job sees `BACALHAU_HOST_PORT_<Name>`). */
  Name: string;
  /** Host port, 1024–65535; 0 or absent = allocated by the compute node from its port range. */
  Static?: number;
  /** Port inside the container; Bridge mode only (defaults to the host port). */
  Target?: number;
  /** Host interface to bind, an IP address; absent = 0.0.0.0. */
  HostNetwork?: string;
}

/** A task's network configuration (Go `models.NetworkConfig`). */
export interface NetworkConfig {
  Type: NetworkType;
  /** Domains an HTTP-mode job may reach; a leading `.` allows every subdomain. HTTP mode only. */
  Domains?: string[];
  /** Port mappings; Host, Full and Bridge modes only. */
  Ports?: Port[];
}

/**
 * Go's `NetworkConfig.Normalize`: Domains and Ports become lists (empty when absent), and every domain
 * is lower-cased and trimmed of white space. Returns a new object.
 */
export function normalizeNetworkConfig(n: NetworkConfig): NetworkConfig {
  return {
    Type: n.Type,
    Domains: (n.Domains ?? []).map((d) => goTrimSpace(goToLower(text(d)))),
    Ports: (n.Ports ?? []).map((p) => ({ ...p })),
  };
}

/**
 * A string field of decoded JSON that may hold an unchecked `null`: Go's decoder leaves such a list
 * element or field at "".
 */
function text(value: string | null | undefined): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Go's `NetworkConfig.Validate`, every problem with its exact message. Empty = valid.
 * - a Type outside the six modes: `invalid networking type "<t>"`;
 * - Domains with any mode but HTTP: `domains can only be set for HTTP network mode`;
 * - each domain that is neither matched by the domain pattern (see {@link isValidDomain}) nor an IP
 *   address: `invalid domain "<d>"`. Domains are not lower-cased here (Go validates the submitted
 *   spec before normalising it), so `EXAMPLE.COM` is invalid unless normalised first;
 * - Ports with any mode but Host, Full or Bridge: `ports can only be set for Host or Bridge network
 *   modes`, and then the ports themselves are not checked;
 * - otherwise the port rules of {@link validatePorts}.
 *
 * The caller adds the prefix: Go's `Task.ValidateSubmission` wraps the joined error once as
 * `invalid network: <problems joined by \n>`.
 */
export function validateNetworkConfig(n: NetworkConfig): string[] {
  const problems: string[] = [];
  if (!networkTypeCodes.includes(n.Type)) problems.push(`invalid networking type ${goQuote(String(n.Type))}`);
  const domains = n.Domains ?? [];
  if (domains.length > 0 && n.Type !== NetworkType.HTTP) {
    problems.push('domains can only be set for HTTP network mode');
  }
  for (const entry of domains) {
    const domain = text(entry);
    if (!isValidDomain(domain)) problems.push(`invalid domain ${goQuote(domain)}`);
  }
  const ports = n.Ports ?? [];
  if (ports.length > 0) {
    if (!supportsPortAllocation(n.Type)) {
      problems.push('ports can only be set for Host or Bridge network modes');
      return problems;
    }
    appendAll(problems, validatePorts(ports, n.Type));
  }
  return problems;
}

const portNameRe = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Go's `Port.Validate`: the FIRST problem of one port, or undefined.
 * `port mapping name is required`; `port name must be a valid environment variable name: start with
 * letter/underscore and contain only letters, numbers, and underscores`; `port name too long (max 237
 * characters)`; `static port %d is in privileged port range (1-1023)` (any non-zero value below 1024,
 * negative ones included); `static port %d is above maximum valid port 65535`; `invalid target port
 * %d` (below 0 or above 65535); `invalid host network IP address: %s`.
 */
export function validatePort(p: Port): string | undefined {
  const name = text(p.Name);
  const hostNetwork = text(p.HostNetwork);
  if (name === '') return 'port mapping name is required';
  if (!portNameRe.test(name)) {
    return (
      'port name must be a valid environment variable name: ' +
      'start with letter/underscore and contain only letters, numbers, and underscores'
    );
  }
  if (name.length > MaxPortNameLength) return `port name too long (max ${MaxPortNameLength} characters)`;
  const statik = p.Static ?? 0;
  if (statik !== 0) {
    if (statik < MinimumPort) return `static port ${statik} is in privileged port range (1-1023)`;
    if (statik > MaximumPort) return `static port ${statik} is above maximum valid port ${MaximumPort}`;
  }
  const target = p.Target ?? 0;
  if (target < 0 || target > MaximumPort) return `invalid target port ${target}`;
  if (hostNetwork !== '' && !isValidIP(hostNetwork)) return `invalid host network IP address: ${hostNetwork}`;
  return undefined;
}

/**
 * Go's `PortMap.Validate`: each port's first problem; then, for ports without one, in order:
 * `duplicate port mapping name "<n>"`, `duplicate port mapping static port %d` (non-zero only),
 * `target ports cannot be set for Host network mode` (Host/Full with a non-zero Target), and in Bridge
 * mode `duplicate port mapping target port %d` (non-zero only).
 *
 * Deliberate fix: a `null` entry (Go dereferences it and panics) reports `port mapping name is required`.
 */
export function validatePorts(ports: readonly (Port | null | undefined)[], type: NetworkType): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const statics = new Set<number>();
  const targets = new Set<number>();
  for (const entry of ports) {
    const port = entry ?? { Name: '' };
    const problem = validatePort(port);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    const name = text(port.Name);
    if (names.has(name)) problems.push(`duplicate port mapping name ${goQuote(name)}`);
    names.add(name);
    const statik = port.Static ?? 0;
    if (statik !== 0) {
      if (statics.has(statik)) problems.push(`duplicate port mapping static port ${statik}`);
      statics.add(statik);
    }
    const target = port.Target ?? 0;
    if ((type === NetworkType.Host || type === NetworkType.Full) && target !== 0) {
      problems.push('target ports cannot be set for Host network mode');
    }
    if (type === NetworkType.Bridge && target !== 0) {
      if (targets.has(target)) problems.push(`duplicate port mapping target port ${target}`);
      targets.add(target);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Domains
// ---------------------------------------------------------------------------------------------------

/**
 * Whether Bacalhau accepts `domain` in `Domains`: the domain pattern matches, or it is an IP address
 * (Go `net.ParseIP`; no CIDR, no zone).
 */
export function isValidDomain(domain: string): boolean {
  return matchesDomainPattern(domain) || isValidIP(domain);
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Za-z_]$/.test(c);
const isLowerAlnum = (c: string | undefined): boolean => c !== undefined && /^[a-z0-9]$/.test(c);
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';

/**
 * Whether Go's `domainRegex.MatchString(s)` is true, for
 * `\b([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}\b`. The Go regex is NOT anchored: it is a substring search,
 * so `example.com/path`, `http://example.com`, `*.example.com`, `example.com:443` and `x@y.com` are all
 * accepted. Anchoring it would be stricter than Bacalhau and reject specs it accepts, so the unanchored
 * behaviour is kept for compatibility.
 *
 * Evaluated in linear time instead of with the regex (JS backtracking makes that quadratic on long
 * inputs; Go's RE2 is linear). Reasoning: a match needs only its last label, so the regex matches iff
 * some `.` has (a) right before it a non-empty run of `[a-z0-9]` not preceded by `[A-Z_]` (`\b` is an
 * ASCII word boundary, and `-`, `.` or any other non-word character before the run gives one), and
 * (b) right after it a run of at least two `[a-z]` not followed by `[0-9A-Z_]`. The unit tests check this
 * against the regex itself on random inputs.
 */
export function matchesDomainPattern(s: string): boolean {
  for (let dot = s.indexOf('.'); dot !== -1; dot = s.indexOf('.', dot + 1)) {
    let start = dot;
    while (isLowerAlnum(s[start - 1])) start--;
    if (start === dot || isWordChar(s[start - 1])) continue;
    let end = dot + 1;
    while (isLower(s[end])) end++;
    if (end - dot - 1 < 2 || isWordChar(s[end])) continue;
    return true;
  }
  return false;
}

/**
 * Go's `net.ParseIP(s) != nil` (Go ≥ 1.22, built on `netip.ParseAddr`): dotted-decimal IPv4 with four
 * fields of 0–255 and no leading zeros (`01` is invalid), or IPv6 (`::` at most once and standing for
 * at least one group, 1–4 hex digits per group, an embedded IPv4 only as the last 32 bits), without a
 * `%zone`, brackets, prefix length or port.
 */
export function isValidIP(s: string): boolean {
  for (const c of s) {
    if (c === '.') return isIPv4(s);
    if (c === ':') return !s.includes('%') && isIPv6(s);
    if (c === '%') return false;
  }
  return false;
}

function isIPv4(s: string): boolean {
  const fields = s.split('.');
  return fields.length === 4 && fields.every((f) => /^(?:0|[1-9]\d{0,2})$/.test(f) && Number(f) <= 255);
}

function isIPv6(s: string): boolean {
  let rest = s;
  let filled = 0; // bytes of the 16-byte address parsed so far
  let ellipsis = -1; // byte offset of `::`, if any
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return true;
  }
  while (filled < 16) {
    const digits = /^[0-9a-fA-F]*/.exec(rest)?.[0].length ?? 0;
    if (digits === 0 || digits > 4) return false;
    if (rest[digits] === '.') {
      // An embedded IPv4 address: the rest of the string, in the last 32 bits (or anywhere after `::`).
      if ((ellipsis < 0 && filled !== 12) || filled + 4 > 16 || !isIPv4(rest)) return false;
      filled += 4;
      rest = '';
      break;
    }
    filled += 2;
    rest = rest.slice(digits);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return false;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return false;
      ellipsis = filled;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return false;
  // Without `::` all 8 groups are needed; with it, `::` must stand for at least one group.
  return filled < 16 ? ellipsis >= 0 : ellipsis < 0;
}

/**
 * Go's `matchDomain` (used by `DomainSet`), exactly: 0 when the two domains are the same or one is a
 * wildcard (leading `.`) that covers the other, otherwise a non-zero ordering value. Both sides are
 * trimmed of spaces and lower-cased first. `.foo.com` covers `foo.com`, `x.foo.com` and `y.x.foo.com`;
 * `x.foo.com` and `foo.com` do not match.
 */
export function matchDomain(left: string, right: string): number {
  const wildcard = '';
  const lefts = goToLower(trimSpaces(left)).split('.');
  const rights = goToLower(trimSpaces(right)).split('.');
  let diff = lefts.length - rights.length;
  if (diff !== 0 && lefts[0] !== wildcard && rights[0] !== wildcard) return diff;
  let l = lefts.length - 1;
  let r = rights.length - 1;
  while (l >= 0 && r >= 0) {
    const a = lefts[l] ?? '';
    const b = rights[r] ?? '';
    if (a !== wildcard && b !== wildcard) {
      diff = goCompareStrings(a, b);
      if (diff !== 0) return diff;
    }
    if (a === wildcard || b === wildcard) break;
    l--;
    r--;
  }
  return 0;
}

/** Go `strings.Trim(s, " ")`: spaces only. */
function trimSpaces(s: string): string {
  return s.replace(/^ +| +$/g, '');
}

/**
 * The de-duplicated domain list handed to the HTTP gateway (Go `NetworkConfig.DomainSet`): empty
 * entries dropped, duplicates dropped, and every domain covered by a wildcard of the list (see
 * {@link matchDomain}) dropped in favour of the wildcard; sorted byte-wise.
 *
 * Deliberate fix: Go sorts with a comparator that is not a total order and then removes only
 * neighbours, so its result depends on input order and can keep covered domains
 * (`[.foo.com, a.com, x.foo.com]` keeps `x.foo.com`) or drop the wildcard itself (`[foo.com, .foo.com]`
 * gives `[foo.com]`, cutting off the subdomains). Here the result is what Go's comment promises;
 * Go's own test cases give the same result.
 */
export function domainSet(n: Pick<NetworkConfig, 'Domains'>): string[] {
  const isWildcard = (d: string): boolean => trimSpaces(d).startsWith('.');
  // Most general first: wildcards before plain names, shorter wildcards before longer ones.
  const candidates = [...new Set((n.Domains ?? []).map(text))]
    .filter((d) => d !== '')
    .sort(
      (a, b) =>
        Number(isWildcard(b)) - Number(isWildcard(a)) || a.length - b.length || goCompareStrings(a, b),
    );
  const kept: string[] = [];
  for (const d of candidates) {
    if (!kept.some((k) => matchDomain(k, d) === 0)) kept.push(d);
  }
  return kept.sort(goCompareStrings);
}
