import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { requestError } from './errors.js';
import { refuseRawRequest } from './client-errors.js';

/** A connection as Node hands it to 'connect' and 'upgrade' listeners: with no error listener. */
function handedOverSocket(): { socket: Duplex; written: string[] } {
  const written: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  return { socket, written };
}

describe('refuseRawRequest', () => {
  it('answers with the error and closes the connection', async () => {
    const { socket, written } = handedOverSocket();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    refuseRawRequest(socket, requestError('CONNECT is not supported', { status: 405 }), 'r-1', {});
    await closed;
    expect(written.join('')).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/u);
    expect(written.join('')).toContain('"Message":"CONNECT is not supported"');
  });

  it('takes a reset of the connection by the client, which would otherwise end the process', () => {
    const { socket } = handedOverSocket();
    refuseRawRequest(socket, requestError('CONNECT is not supported', { status: 405 }), 'r-1', {});
    expect(() =>
      socket.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })),
    ).not.toThrow();
    expect(socket.destroyed).toBe(true);
  });

  it('writes nothing on a connection already closed', () => {
    const { socket, written } = handedOverSocket();
    socket.end();
    refuseRawRequest(socket, requestError('CONNECT is not supported', { status: 405 }), 'r-1', {});
    expect(written).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });
});
