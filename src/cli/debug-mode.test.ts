import { describe, expect, it } from 'vitest';
import { cli } from '../../test/helpers/cli.js';

/** A failing command: nothing listens on port 9. */
const failing = ['agent', 'alive', '--api-port', '9'];

describe('errors', () => {
  it('are one line and a hint after a blank line, as Go prints them, without a stack', async () => {
    const run = await cli(failing);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').slice(0, 3)).toEqual([
      '',
      'Error: server is not running or not reachable at http://127.0.0.1:9',
      'Hint:  to resolve this, either:',
    ]);
    expect(run.stderr).not.toMatch(/\n {4}at /);
  });

  it('say the same of the log stream of a node that is not there as of any other request', async () => {
    const [logs, other] = await Promise.all([
      cli(['job', 'logs', 'j-1', '--api-port', '9']),
      cli(['job', 'describe', 'j-1', '--api-port', '9']),
    ]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toBe(other.stderr);
  });

  it('carry details and the stack in debug mode', async () => {
    for (const extra of [
      ['--log-level', 'debug'],
      ['-c', 'Logging.Level=trace'],
    ]) {
      const run = await cli([...failing, ...extra]);
      expect(run.stderr).toContain('\nStack Trace:\n');
      expect(run.stderr).toMatch(/\n {4}at /);
    }
    const env = await cli(failing, { env: { DEBUG: 'true' } });
    expect(env.stderr).toContain('\nStack Trace:\n');
  });

  it("show control characters of what they quote escaped, in the stack's first line too", async () => {
    const run = await cli(['agent', 'alive', '-c', '/nope\x1b]0;x\x07.yaml', '--log-level', 'debug']);
    expect(run.stderr).toContain('\nStack Trace:\n');
    expect(run.stderr).toContain('/nope\\x1b]0;x\\x07.yaml');
    // eslint-disable-next-line no-control-regex
    expect(run.stderr).not.toMatch(/[\x07\x1b]/u);
  });
});
