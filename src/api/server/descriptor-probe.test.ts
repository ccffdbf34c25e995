import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startDescriptorProbe } from './descriptor-probe.js';

const emfile = (): never => {
  throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
};

describe('startDescriptorProbe', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports running out of descriptors once, and again only after they were free in between', () => {
    const reports: Error[] = [];
    let probe: () => void = emfile;
    const stop = startDescriptorProbe({
      onExhausted: (e) => reports.push(e),
      intervalMs: 10,
      probe: () => probe(),
    });
    vi.advanceTimersByTime(30);
    expect(reports.map((e) => e.message)).toEqual([
      'the process has no file descriptor left, so each connection is closed as soon as it is accepted ' +
        '(clients see "connection reset"): EMFILE: too many open files',
    ]);
    probe = () => undefined;
    vi.advanceTimersByTime(10);
    probe = emfile;
    vi.advanceTimersByTime(10);
    expect(reports).toHaveLength(2);
    stop();
    vi.advanceTimersByTime(100);
    expect(reports).toHaveLength(2);
  });

  it('ignores other failures of the probe', () => {
    const reports: Error[] = [];
    const stop = startDescriptorProbe({
      onExhausted: (e) => reports.push(e),
      intervalMs: 10,
      probe: () => {
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      },
    });
    vi.advanceTimersByTime(30);
    stop();
    expect(reports).toEqual([]);
  });

  it('opens and closes /dev/null by default', () => {
    const reports: Error[] = [];
    const stop = startDescriptorProbe({ onExhausted: (e) => reports.push(e), intervalMs: 10 });
    vi.advanceTimersByTime(30);
    stop();
    expect(reports).toEqual([]);
  });
});
