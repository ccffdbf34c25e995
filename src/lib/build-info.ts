import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZeroTime } from '../models/evaluation.js';
import type { BuildVersionInfo } from '../models/version.js';

// Node reports platform/arch in its own words; Bacalhau's wire fields use Go's (GOOS/GOARCH).
const goArch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
const goOs: Record<string, string> = { win32: 'windows', sunos: 'solaris' };

/**
 * The Bacalhau release whose protocol, API and CLI this build speaks. Peers compare versions: Bacalhau's
 * CLI refuses servers older than v1.4.0, servers refuse older clients, and orchestrators skip compute
 * nodes older than v1.0.4. So the version announced is this one, with our own version as semver build
 * metadata (`v1.9.0+bacalhau-ts.0.1.0`), which every comparison ignores and every reader can still see.
 */
export const BacalhauCompatibleVersion = { major: '1', minor: '9', patch: '0' } as const;

let cached: BuildVersionInfo | undefined;

/**
 * Our package.json, the first one up from this file: this code runs from src/lib/ (tests), and from
 * wherever the build's bundle put it in dist/ (scripts/build.mjs).
 */
function ownPackageJson(): { version: string } {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string };
    } catch (err) {
      const parent = dirname(folder);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === folder) throw err;
      folder = parent;
    }
  }
}

/** The version of this build, read once from package.json. */
export function buildVersionInfo(): BuildVersionInfo {
  if (cached) return cached;
  const pkg = ownPackageJson();
  const { major, minor, patch } = BacalhauCompatibleVersion;
  cached = Object.freeze({
    Major: major,
    Minor: minor,
    GitVersion: `v${major}.${minor}.${patch}+bacalhau-ts.${pkg.version}`,
    GitCommit: process.env['BACALHAU_GIT_COMMIT'] ?? '',
    // Go's zero time.Time when unknown, as Bacalhau's BuildDate is a time.
    BuildDate: process.env['BACALHAU_BUILD_DATE'] ?? ZeroTime,
    GOOS: goOs[process.platform] ?? process.platform,
    GOARCH: goArch[process.arch] ?? process.arch,
  });
  return cached;
}
