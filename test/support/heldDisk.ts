import { open } from 'node:fs/promises';
import { devNull } from 'node:os';
import { vi } from 'vitest';
import { DiskWriter } from '../../src/storage/diskWriter.js';
import type { TorrentStorage } from '../../src/storage/torrentStorage.js';

/**
 * A disk whose writes finish when the test says so: every `DiskWriter.write` and
 * `FileHandle.writev` (the storage's one write per completed piece, by worker or by libuv's pool) waits in a queue until released, then runs for real. Nothing
 * of the storage is replaced; only the moment its writes complete is the test's.
 */
export interface HeldDisk {
  /** Writes waiting to start, oldest first. */
  readonly held: number;
  /** Lets the oldest `n` held writes (all by default) run; resolves once they and what follows them (bookkeeping, drain callbacks) are done. */
  release(n?: number): Promise<void>;
  /** Resolves once at least `n` writes are held (a write reaches the disk only after its file is opened). */
  heldAtLeast(n: number): Promise<void>;
  /** Releases writes until `storage` has none in flight (waiting for those still on their way to the queue). */
  drain(storage: TorrentStorage): Promise<void>;
  /** Whether writes wait to be released (true at first); false lets held ones and later ones run at once. */
  holding: boolean;
  /** Writes go straight through again, for good. */
  restore(): void;
}

type Write = (this: unknown, ...args: unknown[]) => Promise<unknown>;

export async function holdDiskWrites(): Promise<HeldDisk> {
  const probe = await open(devNull, 'r');
  const fileHandle = Object.getPrototypeOf(probe) as Record<string, Write>;
  await probe.close();
  const queue: (() => Promise<unknown>)[] = [];
  let arrived: (() => void)[] = [];
  let holding = true;
  const hold = (proto: Record<string, Write>, method: string) => {
    const original = proto[method]!;
    return vi.spyOn(proto, method).mockImplementation(function (this: unknown, ...args: unknown[]) {
      if (!holding) return original.apply(this, args);
      return new Promise((resolve, reject) => {
        queue.push(() => {
          const p = original.apply(this, args);
          p.then(resolve, reject);
          return p;
        });
        for (const w of arrived.splice(0)) w();
      });
    });
  };
  // a storage writes through libuv's pool (FileHandle.writev) until it moves to the disk writer
  const spies = [hold(DiskWriter.prototype as unknown as Record<string, Write>, 'write'), hold(fileHandle, 'writev')];
  const afterFollowUps = (): Promise<void> => new Promise((r) => setImmediate(r));
  const release = async (n?: number): Promise<void> => {
    const batch = queue.splice(0, n ?? queue.length);
    await Promise.allSettled(batch.map((go) => go()));
    await afterFollowUps();
  };
  return {
    get held() {
      return queue.length;
    },
    get holding() {
      return holding;
    },
    set holding(on: boolean) {
      holding = on;
      if (!on) for (const go of queue.splice(0)) void go();
    },
    release,
    heldAtLeast: async (n) => {
      while (queue.length < n) await new Promise<void>((r) => arrived.push(r));
    },
    drain: async (storage) => {
      while (storage.backlogBytes > 0) {
        if (queue.length === 0) await new Promise<void>((r) => arrived.push(r));
        await release();
      }
    },
    restore: () => {
      for (const spy of spies) spy.mockRestore();
      for (const go of queue.splice(0)) void go();
    },
  };
}
