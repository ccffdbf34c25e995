/**
 * Go's `VersionCheckMiddleware` and the version headers every response carries (`ServerHeader`).
 *
 * A request whose `X-Bacalhau-Git-Version` is explicit (not empty, `v0.0.0` or `v0.0.0-xxxxxxx`) must parse
 * as a semantic version (else 400 `{"Error":"Invalid client version …"}`) and be at least the minimum
 * client version (else 403 `{"Error":"Client version is outdated. Update your client", MinVersion,
 * ClientVersion, ServerVersion}`). These two bodies are not APIErrors, as in Go.
 */
import { goTimeString } from '../../models/go-time.js';
import type { BuildVersionInfo } from '../../models/version.js';
import { HTTPHeader } from '../apimodels/constants.js';
import type { VersionCheckError } from '../apimodels/wire.js';

export const DefaultMinClientVersion = 'v1.4.0';

/** Masterminds/semver (v1) versions: optional `v`, one to three numbers, pre-release, build metadata. */
const semverPattern =
  /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
  /** Build metadata (after `+`): no part of the order, but of the text. */
  metadata: string;
}

export function parseSemVer(text: string): SemVer | undefined {
  const m = semverPattern.exec(text);
  if (m === null) return undefined;
  return {
    major: Number(m[1] ?? 0),
    minor: Number(m[2] ?? 0),
    patch: Number(m[3] ?? 0),
    prerelease: m[4] ?? '',
    metadata: m[5] ?? '',
  };
}

/** Masterminds' `String()`: no `v`, pre-release and build metadata kept. */
export function formatSemVer(v: SemVer): string {
  const prerelease = v.prerelease === '' ? '' : `-${v.prerelease}`;
  return `${v.major}.${v.minor}.${v.patch}${prerelease}${v.metadata === '' ? '' : `+${v.metadata}`}`;
}

export function compareSemVer(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  if (a.prerelease === b.prerelease) return 0;
  // A version without pre-release is newer than one with.
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  const pa = a.prerelease.split('.');
  const pb = b.prerelease.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^[0-9]+$/.test(x) ? Number(x) : undefined;
    const ny = /^[0-9]+$/.test(y) ? Number(y) : undefined;
    if (nx !== undefined && ny !== undefined) return nx < ny ? -1 : 1;
    if (nx !== undefined) return -1;
    if (ny !== undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Go's `version.IsVersionExplicit`. */
export function isVersionExplicit(version: string): boolean {
  return version !== '' && version !== 'v0.0.0-xxxxxxx' && version !== 'v0.0.0';
}

/** The refusal for a client version, or undefined when the request may proceed. */
export function checkClientVersion(
  clientVersion: string,
  minVersion: SemVer,
  serverVersion: string,
): { status: number; body: VersionCheckError } | undefined {
  if (!isVersionExplicit(clientVersion)) return undefined;
  const client = parseSemVer(clientVersion);
  if (client === undefined)
    return { status: 400, body: { Error: `Invalid client version ${clientVersion}` } };
  if (compareSemVer(client, minVersion) >= 0) return undefined;
  const server = parseSemVer(serverVersion);
  return {
    status: 403,
    body: {
      Error: 'Client version is outdated. Update your client',
      MinVersion: formatSemVer(minVersion),
      ClientVersion: formatSemVer(client),
      ServerVersion: server === undefined ? serverVersion : formatSemVer(server),
    },
  };
}

/** The headers Go's node sets on every response (`pkg/node/node.go`, `ServerHeader`). */
export function serverVersionHeaders(info: BuildVersionInfo): Record<string, string> {
  return {
    [HTTPHeader.GitVersion]: info.GitVersion,
    [HTTPHeader.GitCommit]: info.GitCommit,
    [HTTPHeader.BuildDate]: goTimeString(info.BuildDate),
    [HTTPHeader.BuildOS]: info.GOOS,
    [HTTPHeader.Arch]: info.GOARCH,
  };
}
