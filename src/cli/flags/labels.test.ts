import { describe, expect, it } from 'vitest';
import { cli } from '../../../test/helpers/cli.js';

describe('--labels with a selector that does not parse', () => {
  // Bacalhau parses it in RunE: `could not parse labels: …`, with no pflag framing and no hint.
  it.each([['node'], ['job']])('%s list says only that it could not parse the labels', async (group) => {
    const { code, stderr } = await cli([group, 'list', '--labels', 'zone in (a'], {
      env: { BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: '1' },
    });
    expect(code).toBe(1);
    // The same shape as every error a command's action finds (e.g. a bad --filter-status).
    expect(stderr.trim()).toBe(
      "Error: could not parse labels: unable to parse requirement: found '', expected: ',' or ')'",
    );
  });
});
