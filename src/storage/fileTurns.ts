/**
 * One write at a time per file. Buffered writes to one file serialize on the kernel's inode
 * lock anyway (ext4 takes it for every write); with several of ours in flight, libuv's pool
 * threads spin on that lock while its owner copies (perf: `rwsem_spin_on_owner` 8% of a
 * download's samples), burning the core that the hashing and the sockets need.
 */
export class FileTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `job` once every job queued before it for `key` has settled. */
  async run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    this.tails.set(key, mine);
    try {
      if (before !== undefined) await before;
      return await job();
    } finally {
      done();
      if (this.tails.get(key) === mine) this.tails.delete(key);
    }
  }
}
