/** The IPs that sent one piece's blocks: `ips` (each once) and, per block, an index into it (-1: unknown). */
export interface PieceSenders {
  readonly ips: readonly string[];
  readonly who: Int16Array;
}

/**
 * Who sent each block of the pieces in flight, kept as one Int32Array of sender slots per
 * piece (no object per block). Slots are interned IPs with reference counts, freed when no
 * block in flight refers to them, so memory follows the blocks in flight, not the number of
 * peers ever seen. {@link take} hands a piece's senders over when it leaves flight (verified
 * or failed).
 */
export class BlockSenders {
  private readonly slotOf = new Map<string, number>();
  /** Slot -> IP; slot 0 means "no sender". */
  private readonly ips: string[] = [''];
  private refs = new Int32Array(64);
  private readonly freeSlots: number[] = [];
  private readonly pieces = new Map<number, Int32Array>();

  /**
   * Block `block` of piece `index` (of `blockCount` blocks) came from `ip`. A later copy of the
   * same block replaces the earlier sender.
   */
  record(index: number, block: number, blockCount: number, ip: string): void {
    let slots = this.pieces.get(index);
    if (slots === undefined) {
      slots = new Int32Array(blockCount);
      this.pieces.set(index, slots);
    }
    if (block < 0 || block >= slots.length) return;
    const slot = this.acquire(ip);
    const old = slots[block]!;
    if (old !== 0) this.release(old);
    slots[block] = slot;
  }

  /** Number of pieces with senders recorded. */
  get piecesInFlight(): number {
    return this.pieces.size;
  }

  /** Distinct IPs referenced now. */
  get ipsInUse(): number {
    return this.slotOf.size;
  }

  /** The one IP that sent every recorded block of piece `index`, if a single IP did. */
  soleSender(index: number): string | undefined {
    const slots = this.pieces.get(index);
    if (slots === undefined) return undefined;
    let only = 0;
    for (let b = 0; b < slots.length; b++) {
      const slot = slots[b]!;
      if (slot === 0) continue;
      if (only === 0) only = slot;
      else if (slot !== only) return undefined;
    }
    return only === 0 ? undefined : this.ips[only];
  }

  /** Piece `index` left flight and nobody needs its senders: release them without allocating. */
  drop(index: number): void {
    const slots = this.pieces.get(index);
    if (slots === undefined) return;
    this.pieces.delete(index);
    for (let b = 0; b < slots.length; b++) if (slots[b] !== 0) this.release(slots[b]!);
  }

  /** Piece `index` left flight: its senders, compacted, and its slots released. */
  take(index: number): PieceSenders {
    const slots = this.pieces.get(index);
    if (slots === undefined) return { ips: [], who: new Int16Array(0) };
    this.pieces.delete(index);
    const ips: string[] = [];
    const local = new Map<number, number>();
    const who = new Int16Array(slots.length).fill(-1);
    for (let b = 0; b < slots.length; b++) {
      const slot = slots[b]!;
      if (slot === 0) continue;
      let k = local.get(slot);
      if (k === undefined) {
        k = ips.length;
        local.set(slot, k);
        ips.push(this.ips[slot]!);
      }
      who[b] = k;
      this.release(slot);
    }
    return { ips, who };
  }

  private acquire(ip: string): number {
    let slot = this.slotOf.get(ip);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.ips.length;
      if (slot === this.ips.length) this.ips.push(ip);
      else this.ips[slot] = ip;
      this.slotOf.set(ip, slot);
      if (slot >= this.refs.length) {
        const grown = new Int32Array(this.refs.length * 2);
        grown.set(this.refs);
        this.refs = grown;
      }
    }
    this.refs[slot]!++;
    return slot;
  }

  private release(slot: number): void {
    if (--this.refs[slot]! > 0) return;
    this.slotOf.delete(this.ips[slot]!);
    this.ips[slot] = '';
    this.freeSlots.push(slot);
  }
}
