import { describe, expect, it } from 'vitest';
import { cli } from '../../../../test/helpers/cli.js';

describe('node approve|reject|delete --help', () => {
  // Bacalhau's `NodeAction.Description()` (apimodels/node.go), the line `--help` prints under Usage.
  it.each([
    ['approve', 'Approve a node whose membership is pending'],
    ['reject', 'Reject a node whose membership is pending'],
    ['delete', 'Delete a node from the cluster.'],
  ])('describes %s as Bacalhau does', async (action, description) => {
    const { stdout } = await cli(['node', action, '--help']);
    expect(stdout).toContain(`\n${description}\n`);
  });
});
