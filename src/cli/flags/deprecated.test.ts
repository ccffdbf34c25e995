import { expect, it } from 'vitest';
import { cli } from '../../../test/helpers/cli.js';

it('notes each deprecated flag given, once, and honours it', async () => {
  const dry = ['docker', 'run', '--dry-run'];
  const image = 'local/busybox:latest';
  const concurrency = await cli([...dry, '--concurrency', '2', image]);
  expect(concurrency.stderr).toBe('Flag --concurrency has been deprecated, use --count\n');
  expect(concurrency.stdout).toContain('Count: 2');
  const logLevel = await cli([...dry, '--log-level', 'warn', image]);
  expect(logLevel.code).toBe(0);
  expect(logLevel.stderr).toBe(
    'Flag --log-level has been deprecated, Use --config logging.level=<value> to set this configuration\n',
  );
  expect((await cli([...dry, image])).stderr).toBe('');
});
