import { readFileSync } from 'node:fs';
import { ZeroTime } from '../models/evaluation.js';
import type { BuildVersionInfo } from '../models/version.js';

// Node reports platform/arch in its own words; Bacalhau's wire fields use Go's (GOOS/GOARCH).
const goArch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };
const goOs: Record<string, string> = { win32: 'windows', sunos: 'solaris' };

let cached: BuildVersionInfo | undefined;

/** The version of this build, read once from package.json (present beside both src/ and dist/). */
export function buildVersionInfo(): BuildVersionInfo {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const [major = '0', minor = '0'] = pkg.version.split('.');
  cached = Object.freeze({
    Major: major,
    Minor: minor,
    GitVersion: `v${pkg.version}`,
    GitCommit: process.env['BACALHAU_GIT_COMMIT'] ?? '',
    // Go's zero time.Time when unknown, as Bacalhau's BuildDate is a time.
    BuildDate: process.env['BACALHAU_BUILD_DATE'] ?? ZeroTime,
    GOOS: goOs[process.platform] ?? process.platform,
    GOARCH: goArch[process.arch] ?? process.arch,
  });
  return cached;
}
