import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { blockedPortReason, isBlockedPort, isBlockedPortError } from './blocked-ports.js';

/** What `fetch` rejects with for `url`. */
async function fetchFailure(url: string): Promise<unknown> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    return err;
  }
  throw new Error(`${url} answered`);
}

describe('blocked ports', () => {
  it('are those fetch refuses to connect to, and only those', async () => {
    expect([6000, 6666, 10080].map(isBlockedPort)).toEqual([true, true, true]);
    expect([80, 8080, 1234].map(isBlockedPort)).toEqual([false, false, false]);
    expect(isBlockedPortError(await fetchFailure('http://127.0.0.1:6666/'))).toBe(true);
    // a closed port that is not blocked fails differently
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    expect(isBlockedPortError(await fetchFailure(`http://127.0.0.1:${port}/`))).toBe(false);
  });

  it('are named in the reason, or said to be behind a redirect', () => {
    expect(blockedPortReason(new URL('http://h:6000/x'))).toBe(
      'port 6000 is one Node.js refuses to connect to (the Fetch standard blocks it)',
    );
    expect(blockedPortReason(new URL('http://h:8080/x'))).toBe(
      'it redirects to a port Node.js refuses to connect to (the Fetch standard blocks it)',
    );
  });
});
