import { describe, expect, it } from 'vitest';
import { FileTurns } from '../../src/storage/fileTurns.js';

describe('FileTurns', () => {
  it('runs one job at a time per key, in order, and jobs of other keys alongside', async () => {
    const turns = new FileTurns();
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (name: string) => () => {
      log.push(`start ${name}`);
      return new Promise<string>((r) => gates.set(name, () => (log.push(`end ${name}`), r(name))));
    };
    const a1 = turns.run('a', job('a1'));
    const a2 = turns.run('a', job('a2'));
    const b1 = turns.run('b', job('b1'));
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['start a1', 'start b1']);
    gates.get('a1')!();
    expect(await a1).toBe('a1');
    await Promise.resolve();
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2']);
    gates.get('a2')!();
    gates.get('b1')!();
    expect(await Promise.all([a2, b1])).toEqual(['a2', 'b1']);
  });

  it('a failed job does not block the next one of its key', async () => {
    const turns = new FileTurns();
    const failed = turns.run('a', () => Promise.reject(new Error('EIO')));
    const next = turns.run('a', () => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('EIO');
    expect(await next).toBe('ran');
  });
});
