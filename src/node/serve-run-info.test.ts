import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runInfoText } from './serve-run-info.js';

/** What a shell that sources `text` ends up with in `name`. */
function sourced(text: string, name: string): string {
  return execFileSync('sh', ['-c', `${text}printf %s "$${name}"`], { encoding: 'utf8' });
}

describe('runInfoText', () => {
  it('points a client at a plain-HTTP node by host and port', () => {
    expect(runInfoText('0.0.0.0', 1234)).toBe(
      'export BACALHAU_API_HOST=127.0.0.1\nexport BACALHAU_API_PORT=1234\n',
    );
  });

  it('adds UseTLS for HTTPS, and the CA file only for a certificate the node made', () => {
    expect(runInfoText('localhost', 1, {})).toBe(
      'export BACALHAU_API_HOST=localhost\nexport BACALHAU_API_PORT=1\nexport BACALHAU_API_TLS_USETLS=true\n',
    );
    expect(runInfoText('localhost', 1, { selfSignedFile: '/data/api-self-signed.crt' })).toContain(
      '\nexport BACALHAU_API_TLS_CAFILE=/data/api-self-signed.crt\n',
    );
  });

  it('quotes a CA file path the shell would split or expand', () => {
    const path = `/tmp/it's my $HOME/*.crt`;
    expect(sourced(runInfoText('h', 1, { selfSignedFile: path }), 'BACALHAU_API_TLS_CAFILE')).toBe(path);
  });
});
