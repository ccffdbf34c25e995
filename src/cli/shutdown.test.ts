import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { holdExit, shutdownSignal } from './shutdown.js';

/** The part of a process shutdownSignal uses, recording exits and what it wrote to stderr. */
function fakeProcess(): NodeJS.Process & { exits: number[]; said: string[] } {
  const exits: number[] = [];
  const said: string[] = [];
  const stderr = { write: (text: string) => said.push(text) };
  const proc = Object.assign(new EventEmitter(), {
    exits,
    said,
    stderr,
    exit: (code: number) => void exits.push(code),
  });
  return proc as unknown as NodeJS.Process & { exits: number[]; said: string[] };
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

  it('says what quitting would leave at the second signal while a command cleans up, and exits at the third', () => {
    const proc = fakeProcess();
    const signal = shutdownSignal(proc, true);
    proc.emit('SIGINT', 'SIGINT');
    const release = holdExit(signal, 'Still stopping: press Ctrl+C again to leave the containers');
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.said).toEqual(['Still stopping: press Ctrl+C again to leave the containers\n']);
    expect(proc.exits).toEqual([]);
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exits).toEqual([130]);
    release();
  });

  it('exits at the second signal again once the hold is released', () => {
    const proc = fakeProcess();
    const signal = shutdownSignal(proc, true);
    proc.emit('SIGTERM', 'SIGTERM');
    holdExit(signal, 'Still stopping')();
    proc.emit('SIGTERM', 'SIGTERM');
    expect(proc.said).toEqual([]);
    expect(proc.exits).toEqual([143]);
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
