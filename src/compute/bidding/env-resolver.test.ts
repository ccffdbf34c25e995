import { describe, expect, it } from 'vitest';
import { envResolverStrategy } from './env-resolver.js';
import { hostEnvResolver } from '../env.js';
import { requestWith } from './testing.js';

describe('envResolverStrategy', () => {
  const ask = (allowList: string[], Env?: Record<string, string>) =>
    envResolverStrategy(hostEnvResolver(allowList, {})).shouldBid(
      requestWith(Env === undefined ? {} : { Env }),
    );

  it("accepts jobs without env, and literal values whatever the allow-list (Go's test cases)", async () => {
    expect(await ask([])).toEqual({
      shouldBid: true,
      reason: 'this node does accept jobs without environment variables',
    });
    expect(await ask([], { LITERAL_VAR: 'literal-value', URL: 'http://x', ODD: 'ENV:X' })).toEqual({
      shouldBid: true,
      reason: 'this node does resolve all required environment variables',
    });
  });

  it('accepts host references the allow-list matches (unanchored regular expressions, as in Go)', async () => {
    expect((await ask(['TEST_*'], { HOST_VAR: 'env:TEST_VAR' })).shouldBid).toBe(true);
    expect((await ask(['AWS_'], { KEY: 'env:MY_AWS_KEY' })).shouldBid).toBe(true);
    expect((await ask(['^AWS_'], { KEY: 'env:MY_AWS_KEY' })).shouldBid).toBe(false);
    // Go's (RE2) syntax: a leading flag group, which JavaScript cannot read
    expect((await ask(['(?i)^aws_'], { KEY: 'env:AWS_KEY' })).shouldBid).toBe(true);
  });

  it('refuses the first denied reference in name order, naming both variables', async () => {
    expect(
      await ask(['TEST_*'], {
        LITERAL_VAR: 'literal-value',
        HOST_VAR: 'env:TEST_VAR',
        DENIED_VAR: 'env:DENIED_VAR',
        Z: 'env:NO',
      }),
    ).toEqual({
      shouldBid: false,
      reason:
        "this node does not resolve environment variable DENIED_VAR: environment variable 'DENIED_VAR' is not in allowed patterns",
    });
  });
});
