#!/usr/bin/env node
// The install-scripts policy: .npmrc turns every dependency's install script off, and package.json
// "installScripts" says, for each package that has one, whether setup runs it ("allow") or it stays off
// ("deny"). This check fails when the lockfile brings a package with an install script that is in
// neither list, so a new native or post-install dependency is always a deliberate decision.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const policy = pkg.installScripts ?? {};
const decided = new Set([...(policy.allow ?? []), ...(policy.deny ?? [])]);

const undecided = new Set();
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (!entry.hasInstallScript || path === '') continue;
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  if (!decided.has(name)) undecided.add(name);
}
if (undecided.size > 0) {
  console.error(
    `These packages have install scripts but are in neither installScripts.allow nor installScripts.deny ` +
      `of package.json: ${[...undecided].sort().join(', ')}`,
  );
  process.exit(1);
}
console.log(
  `install scripts: ${policy.allow?.length ?? 0} allowed, ${policy.deny?.length ?? 0} denied, none undecided`,
);
