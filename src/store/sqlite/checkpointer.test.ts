import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Checkpointer, checkpointRounds, type CheckpointRound } from './checkpointer.js';

/** A checkpoint that answers the given rounds in turn, counting the calls. */
function scripted(rounds: CheckpointRound[]): { checkpoint: () => CheckpointRound; calls: () => number } {
  let calls = 0;
  return {
    checkpoint: () => {
      const round = rounds[calls++];
      if (round === undefined) throw new Error('one round too many');
      return round;
    },
    calls: () => calls,
  };
}

const copied = (log: number): CheckpointRound => ({ busy: 0, log, checkpointed: log });

describe('checkpointRounds', () => {
  it('stops after a round that left frames behind, and says it did not catch up', () => {
    const rounds = scripted([{ busy: 0, log: 900, checkpointed: 700 }]);
    expect(checkpointRounds(rounds.checkpoint, 4, 32)).toBe(false);
    expect(rounds.calls()).toBe(1);
  });

  it('runs another round while each finds many frames committed during the last one', () => {
    const rounds = scripted([copied(5000), copied(5400), copied(5440), copied(5480)]);
    expect(checkpointRounds(rounds.checkpoint, 4, 32)).toBe(true);
    expect(rounds.calls()).toBe(4);
  });

  it('stops once a round found few new frames: the writer copies the rest', () => {
    const rounds = scripted([copied(5000), copied(5300), copied(5310)]);
    expect(checkpointRounds(rounds.checkpoint, 4, 32)).toBe(true);
    expect(rounds.calls()).toBe(3);
  });

  it('ends the extra rounds at one that was blocked or left frames; the store copies the rest', () => {
    const busy = scripted([copied(5000), { busy: 1, log: 5300, checkpointed: 5000 }]);
    expect(checkpointRounds(busy.checkpoint, 4, 32)).toBe(true);
    expect(busy.calls()).toBe(2);
    const behind = scripted([copied(5000), { busy: 0, log: 5300, checkpointed: 5200 }]);
    expect(checkpointRounds(behind.checkpoint, 4, 32)).toBe(true);
    expect(behind.calls()).toBe(2);
  });

  it('stops when the WAL started over between rounds', () => {
    const rounds = scripted([copied(5000), copied(40)]);
    expect(checkpointRounds(rounds.checkpoint, 4, 32)).toBe(true);
    expect(rounds.calls()).toBe(2);
  });
});

describe('Checkpointer', () => {
  it('closes when its worker had already ended (it failed to start: no file descriptor left)', async () => {
    const errors: string[] = [];
    // a database the worker cannot open: it fails as it starts, and ends
    const checkpointer = new Checkpointer({
      path: join(tmpdir(), 'no-such-folder-for-a-checkpointer', 'state.db'),
      synchronous: 'NORMAL',
      everyWrites: 1,
      onError: (message) => errors.push(message),
    });
    await expect.poll(() => errors.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 50)); // its 'exit' follows its 'error'
    await checkpointer.close();
    expect(errors[0]).toBe('Cannot open database because the directory does not exist');
  });
});
