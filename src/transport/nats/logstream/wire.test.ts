import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../../../models/index.js';
import {
  CloseCode,
  decodeFrame,
  decodeHeartbeatRequest,
  decodeHeartbeatResponse,
  decodeLogItem,
  decodeStreamRequest,
  encodeCloseFrame,
  encodeHeartbeatRequest,
  encodeHeartbeatResponse,
  encodeLogFrame,
  encodeStreamRequest,
  logRequestSubject,
} from './wire.js';

const text = (data: Uint8Array): string => new TextDecoder().decode(data);
const bytes = (json: string): Uint8Array => new TextEncoder().encode(json);
const b64 = (json: string): string => Buffer.from(json).toString('base64');

function badRequest(run: () => unknown): BacalhauError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(BacalhauError);
    expect((err as BacalhauError).code).toBe(ErrorCode.BadRequest);
    return err as BacalhauError;
  }
  throw new Error('expected a BadRequest error');
}

describe('log stream wire', () => {
  it('addresses the node as Go does', () => {
    expect(logRequestSubject('n-1')).toBe('node.compute.n-1.ExecutionLogs/v1');
  });

  it('writes a stream request as Go marshals stream.Request, the body as base64 JSON', () => {
    const data = encodeStreamRequest(
      { consumerId: '_SINBOX.abc.', streamId: '7', heartBeatRequestSub: '_HEARTBEAT._SINBOX.abc' },
      { ExecutionID: 'e-1', NodeID: 'n-1', Tail: false, Follow: true },
    );
    const body = '{"ExecutionID":"e-1","NodeID":"n-1","Tail":false,"Follow":true}';
    expect(text(data)).toBe(
      `{"consumerId":"_SINBOX.abc.","streamId":"7","heartBeatRequestSub":"_HEARTBEAT._SINBOX.abc","body":"${b64(body)}"}`,
    );
    expect(decodeStreamRequest(data)).toEqual({
      header: { consumerId: '_SINBOX.abc.', streamId: '7', heartBeatRequestSub: '_HEARTBEAT._SINBOX.abc' },
      request: { ExecutionID: 'e-1', NodeID: 'n-1', Tail: false, Follow: true },
    });
  });

  it('reads keys case-insensitively and absent fields as Go zero values', () => {
    const body = b64('{"executionid":"e-2","FOLLOW":true}');
    const data = bytes(`{"ConsumerID":"c.","StreamID":"s","HeartBeatRequestSub":"hb","Body":"${body}"}`);
    expect(decodeStreamRequest(data).request).toEqual({
      ExecutionID: 'e-2',
      NodeID: '',
      Tail: false,
      Follow: true,
    });
  });

  it('refuses requests that are not JSON, lack a stream ID or carry a broken body', () => {
    expect(badRequest(() => decodeStreamRequest(bytes('nope'))).message).toMatch(/not JSON/);
    expect(
      badRequest(() => decodeStreamRequest(bytes('{"consumerId":"c.","heartBeatRequestSub":"hb"}'))).message,
    ).toMatch(/no streamId/);
    const notBase64 = '{"consumerId":"c.","streamId":"s","heartBeatRequestSub":"hb","body":"%%%"}';
    expect(badRequest(() => decodeStreamRequest(bytes(notBase64))).message).toMatch(/not base64/);
    const wrongType = `{"consumerId":"c.","streamId":"s","heartBeatRequestSub":"hb","body":"${b64('{"ExecutionID":"e","Tail":"yes"}')}"}`;
    expect(badRequest(() => decodeStreamRequest(bytes(wrongType))).message).toMatch(/Tail is not a boolean/);
  });

  it('writes a line as an AsyncResult inside a data frame, escaping as Go does', () => {
    const frame = encodeLogFrame({ Type: 2, Line: 'a<b>&c\n' });
    const item = '{"value":{"Type":2,"Line":"a\\u003cb\\u003e\\u0026c\\n"}}';
    expect(text(frame)).toBe(`{"type":1,"data":"${b64(item)}"}`);
    const decoded = decodeFrame(frame);
    expect(decoded).toEqual({ kind: 'data', data: expect.any(Uint8Array) as Uint8Array });
    if (decoded?.kind !== 'data') throw new Error('not a data frame');
    expect(decodeLogItem(decoded.data)).toEqual({ value: { Type: 2, Line: 'a<b>&c\n' } });
  });

  it('writes close frames with Go field names', () => {
    expect(text(encodeCloseFrame(CloseCode.Normal))).toBe('{"type":2,"closeError":{"Code":1000,"Text":""}}');
    expect(decodeFrame(encodeCloseFrame(CloseCode.InternalServerError, 'execution e-1 not found'))).toEqual({
      kind: 'close',
      closeError: { Code: 5000, Text: 'execution e-1 not found' },
    });
  });

  it('reads a close without a reason as abnormal, skips unknown frame types, refuses garbage', () => {
    expect(decodeFrame(bytes('{"type":2}'))).toEqual({ kind: 'close', closeError: { Code: 1006, Text: '' } });
    expect(decodeFrame(bytes('{"type":9,"data":"AA=="}'))).toBeUndefined();
    badRequest(() => decodeFrame(bytes('[1]')));
    badRequest(() => decodeFrame(bytes('{"type":2,"closeError":{"Code":"x"}}')));
  });

  it("reads Go's error items and refuses items that are neither", () => {
    expect(decodeLogItem(bytes('{"error":"log file gone","value":{"Type":0,"Line":""}}'))).toEqual({
      error: 'log file gone',
    });
    badRequest(() => decodeLogItem(bytes('{"value":{"Line":"x"}}')));
    badRequest(() => decodeLogItem(bytes('{}')));
  });

  it('writes and reads heartbeats, taking null lists and maps as empty', () => {
    const subject = logRequestSubject('n-1');
    expect(text(encodeHeartbeatRequest({ [subject]: ['1', '2'] }))).toBe(
      `{"ActiveStreamIds":{"${subject}":["1","2"]}}`,
    );
    expect(text(encodeHeartbeatResponse({}))).toBe('{"NonActiveStreamIds":{}}');
    expect(decodeHeartbeatRequest(encodeHeartbeatRequest({ [subject]: ['1'] }))).toEqual({
      [subject]: ['1'],
    });
    expect(decodeHeartbeatResponse(bytes('{"NonActiveStreamIds":{"s":null}}'))).toEqual({ s: [] });
    expect(decodeHeartbeatResponse(bytes('{"NonActiveStreamIds":null}'))).toEqual({});
    badRequest(() => decodeHeartbeatResponse(bytes('{"NonActiveStreamIds":{"s":[1]}}')));
  });
});
