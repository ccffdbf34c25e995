import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { shutdownSignal } from './shutdown.js';

/** The part of a process shutdownSignal uses, recording exits. */
function fakeProcess(): NodeJS.Process & { exits: number[] } {
  const exits: number[] = [];
  const proc = Object.assign(new EventEmitter(), { exits, exit: (code: number) => void exits.push(code) });
  return proc as unknown as NodeJS.Process & { exits: number[] };
}

describe('shutdownSignal', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('asks to finish at the first %s and exits with %i at the second', (name, code) => {
    const proc = fakeProcess();
    const signal = shutdownSignal(proc, true);
    proc.emit(name, name);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe(`received ${name}`);
    expect(proc.exits).toEqual([]);
    proc.emit(name, name);
    expect(proc.exits).toEqual([code]);
  });

  it('ignores SIGHUP without a terminal (nohup), and still finishes at SIGTERM', () => {
    const proc = fakeProcess();
    const signal = shutdownSignal(proc, false);
    proc.emit('SIGHUP', 'SIGHUP');
    expect(signal.aborted).toBe(false);
    proc.emit('SIGTERM', 'SIGTERM');
    expect(signal.aborted).toBe(true);
    expect(proc.exits).toEqual([]);
  });

  it('asks to finish at SIGHUP and is not hurried by more of them (a closing terminal sends two)', () => {
    const proc = fakeProcess();
    const signal = shutdownSignal(proc, true);
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGHUP', 'SIGHUP');
    proc.emit('SIGHUP', 'SIGHUP');
    expect(signal.aborted).toBe(true);
    expect(proc.exits).toEqual([]);
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([130]);
  });
});
