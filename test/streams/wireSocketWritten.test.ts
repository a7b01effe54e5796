import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SEND_BUFFER_BYTES, wrapWireSocket, type SendResult } from '../../streams/wireSocket.js';
import { loopbackSocketPairs } from '../support/socketPairs.js';

const frames = { pieceCount: 4 };
const B = 16_384;

const { pair } = loopbackSocketPairs();

/** One send with its `written` callback: how often it ran, and whether the socket had closed by then. */
interface Tracked {
  result: SendResult;
  calls: number;
  afterClose: boolean;
}

describe('wrapWireSocket send completion (recycling sent buffers)', () => {
  it('a run of blocks sent in one tick is handed to the socket at once; each written callback runs once the bytes left', async () => {
    const { client, remote } = await pair();
    const wire = wrapWireSocket(client, { frames });
    const states: boolean[] = [];
    wire.writable$.subscribe((w) => states.push(w));
    const run = new Uint8Array(16 * B).fill(7);
    const tracked: Tracked[] = [];
    for (let k = 0; k < 16; k++) {
      const t: Tracked = { result: 'closed', calls: 0, afterClose: false };
      t.result = wire.send({ type: 'piece', index: 0, begin: k * B, block: run.subarray(k * B, (k + 1) * B) }, () => t.calls++);
      tracked.push(t);
    }
    // 256 KiB is under the send buffer: nothing waits in our queue for a 'drain' per block
    expect(16 * (B + 13)).toBeLessThan(SEND_BUFFER_BYTES);
    expect(tracked.map((t) => t.result)).toEqual(new Array(16).fill('written'));
    expect(states).toEqual([true]);
    expect(wire.queuedBytes).toBe(0);
    let received = 0;
    remote.on('data', (c: Buffer) => (received += c.length));
    while (received < 16 * (B + 13)) await once(remote, 'data');
    while (tracked.some((t) => t.calls === 0)) await new Promise((r) => setImmediate(r));
    expect(tracked.map((t) => t.calls)).toEqual(new Array(16).fill(1));
    client.destroy();
    remote.destroy();
  });

  for (const who of ['the peer', 'we'] as const) {
    it(`${who} closing mid-write: every written callback runs exactly once, and those of sends never handed to the socket only after it closed`, async () => {
      const { client, remote } = await pair();
      remote.pause(); // stops reading: the kernel buffers fill, then our queue
      remote.on('error', () => undefined);
      // registered before the wire's own listener (which runs the held callbacks); `client.closed`
      // would not do: it turns true at destroy(), before the handle has closed
      let closed = false;
      client.once('close', () => (closed = true));
      const wire = wrapWireSocket(client, { frames, maxQueuedBytes: 64 * 1024 * 1024 });
      const block = new Uint8Array(B).fill(1);
      const tracked: Tracked[] = [];
      const send = (): Tracked => {
        const t: Tracked = { result: 'closed', calls: 0, afterClose: false };
        t.result = wire.send({ type: 'piece', index: 1, begin: 0, block }, () => {
          t.calls++;
          t.afterClose = closed;
        });
        tracked.push(t);
        return t;
      };
      while (tracked.filter((t) => t.result === 'queued').length < 40) {
        send();
        // let libuv push what it can into the kernel, so some writes are in flight
        if (tracked.length % 64 === 0) await new Promise((r) => setImmediate(r));
        if (tracked.length > 50_000) throw new Error('socket never reported backpressure');
      }
      // the last sends are still in our queue (FIFO), never handed to the socket
      const held = tracked.slice(tracked.length - Math.floor(wire.queuedBytes / (B + 13)));
      expect(held.length).toBeGreaterThan(0);
      expect(held.every((t) => t.calls === 0)).toBe(true);
      if (who === 'the peer') remote.destroy();
      else {
        wire.close('test');
        // dropped after destroy() but before the handle closed: writes may still be in flight
        const early = send();
        expect(early.result).toBe('closed');
        expect(early.calls).toBe(0);
      }
      if (!closed) await new Promise((r) => client.once('close', r)); // (events.once would reject on the socket's error)
      const late = send(); // after the end: dropped, its callback still runs
      expect(late.result).toBe('closed');
      expect(tracked.map((t) => t.calls)).toEqual(new Array(tracked.length).fill(1));
      expect(held.every((t) => t.afterClose)).toBe(true);
      if (who === 'we') expect(tracked.at(-2)!.afterClose).toBe(true);
      remote.destroy();
    });
  }
});
