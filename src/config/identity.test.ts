import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readInstallationID, readInstanceID } from './identity.js';

describe('installation and instance IDs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-identity-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the installation ID where Go's installer writes it, XDG_CONFIG_HOME first", () => {
    expect(readInstallationID({ HOME: dir })).toBe('');
    mkdirSync(join(dir, '.config', 'bacalhau'), { recursive: true });
    writeFileSync(join(dir, '.config', 'bacalhau', 'installation_id'), ' from-home\n');
    expect(readInstallationID({ HOME: dir })).toBe('from-home');
    mkdirSync(join(dir, 'xdg', 'bacalhau'), { recursive: true });
    writeFileSync(join(dir, 'xdg', 'bacalhau', 'installation_id'), 'from-xdg');
    expect(readInstallationID({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') })).toBe('from-xdg');
  });

  it("reads a data dir's instance ID, and nothing from a missing or broken metadata file", () => {
    expect(readInstanceID(dir)).toBe('');
    writeFileSync(join(dir, 'system_metadata.yaml'), 'RepoVersion: 4\nInstanceID: abc\n');
    expect(readInstanceID(dir)).toBe('abc');
    writeFileSync(join(dir, 'system_metadata.yaml'), 'InstanceID: [unclosed\n');
    expect(readInstanceID(dir)).toBe('');
  });
});
