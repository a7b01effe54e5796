import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { firstValueFrom, filter, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { encodeHandshake, encodeMessage, ourReserved } from '../../src/wire/index.js';
import { SEND_BUFFER_BYTES, wrapWireSocket, type IncomingEvent } from '../../streams/wireSocket.js';
import { loopbackSocketPairs } from '../support/socketPairs.js';

const frames = { pieceCount: 4 };
const hs = { reserved: ourReserved(), infoHash: new Uint8Array(20).fill(3), peerId: new Uint8Array(20).fill(4) };

const { pair } = loopbackSocketPairs();

describe('wrapWireSocket', () => {
  it('parses what arrives, counts bytes both ways, and ends with a remoteClosed value', async () => {
    const { client, remote } = await pair();
    const wire = wrapWireSocket(client, { frames });
    const all = lastValueFrom(wire.incoming$.pipe(toArray()));
    const out = encodeHandshake(hs);
    expect(wire.sendHandshake(hs)).toBe('written');
    expect(wire.finished).toBe(false);
    remote.write(encodeHandshake(hs));
    remote.write(encodeMessage({ type: 'have', index: 2 }));
    remote.end();
    const events = await all;
    expect(events.map((e) => e.kind)).toEqual(['handshake', 'message', 'end']);
    expect(events.at(-1)).toEqual({ kind: 'end', end: { code: 'remoteClosed', message: 'peer closed the connection' } });
    expect(wire.finished).toBe(true);
    expect(wire.bytesIn).toBe(68 + 9);
    expect(wire.bytesOut).toBe(out.length);
  });

  it('sends a batch of requests as one write that the peer parses into the same requests, in order', async () => {
    const { client, remote } = await pair();
    const wire = wrapWireSocket(client, { frames });
    const peerSide = wrapWireSocket(remote, { frames });
    const got = lastValueFrom(peerSide.incoming$.pipe(toArray()));
    const refs = [0, 1, 2].map((i) => ({ index: i, begin: i * 16384, length: 16384 }));
    let chunks = 0;
    remote.prependListener('data', () => chunks++);
    const writes = vi.spyOn(client, 'write');
    wire.sendHandshake(hs);
    expect(wire.sendBlockRefs('request', refs)).toBe('written');
    expect(wire.sendBlockRefs('cancel', [])).toBe('written'); // an empty batch writes nothing
    wire.sendBlockRefs('cancel', refs.slice(1));
    expect(writes).toHaveBeenCalledTimes(3); // the handshake, then one buffer per batch (not one per message)
    await new Promise<void>((resolve) => client.end(resolve));
    const messages = (await got).flatMap((e) => (e.kind === 'message' ? [e.message] : []));
    expect(messages).toEqual([...refs.map((r) => ({ type: 'request', ...r })), ...refs.slice(1).map((r) => ({ type: 'cancel', ...r }))]);
    expect(wire.bytesOut).toBe(68 + 5 * 17);
    expect(chunks).toBe(1); // and the tick's writes left corked, in one writev
    remote.destroy();
  });

  it('sends a batch of haves as one write the peer parses into the same haves; an empty batch writes nothing', async () => {
    const { client, remote } = await pair();
    const wire = wrapWireSocket(client, { frames: { pieceCount: 5000 } });
    const peerSide = wrapWireSocket(remote, { frames: { pieceCount: 5000 } });
    const got = lastValueFrom(peerSide.incoming$.pipe(toArray()));
    const writes = vi.spyOn(client, 'write');
    wire.sendHandshake(hs);
    const indices = Array.from({ length: 4096 }, (_, i) => (i * 7) % 4096);
    expect(wire.sendHaves([])).toBe('written');
    expect(wire.sendHaves(indices)).toBe('written');
    expect(writes).toHaveBeenCalledTimes(2); // the handshake, then the 4096 haves (36 KiB) as one buffer
    await new Promise<void>((resolve) => client.end(resolve));
    expect((await got).flatMap((e) => (e.kind === 'message' ? [e.message] : []))).toEqual(indices.map((index) => ({ type: 'have', index })));
    expect(wire.bytesOut).toBe(68 + 9 * 4096);
    remote.destroy();
  });

  it('keeps the socket corked through the later ticks of the event-loop turn, so sends from several callbacks leave in one writev', async () => {
    const { client, remote } = await pair();
    const wire = wrapWireSocket(client, { frames });
    const peerSide = wrapWireSocket(remote, { frames });
    const got = lastValueFrom(peerSide.incoming$.pipe(toArray()));
    wire.sendHandshake(hs);
    // what an upload's next disk read does: its callback runs in a tick of its own
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(client.writableCorked).toBe(1);
    wire.send({ type: 'have', index: 1 });
    await Promise.resolve();
    wire.send({ type: 'have', index: 2 });
    // all held back: the 68-byte handshake and two 9-byte haves (a corked socket uncorks as one writev)
    expect(client.writableLength).toBe(68 + 2 * 9);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(client.writableCorked).toBe(0);
    expect(client.writableLength).toBe(0); // all handed to the kernel at the end of the turn
    await new Promise<void>((resolve) => client.end(resolve));
    expect((await got).flatMap((e) => (e.kind === 'message' ? [e.message] : []))).toEqual([
      { type: 'have', index: 1 },
      { type: 'have', index: 2 },
    ]);
    remote.destroy();
  });

  it('queues when the socket is full, reports writable=false, and flushes everything in order on drain', async () => {
    const { client, remote } = await pair();
    remote.pause(); // the other side stops reading: kernel buffers fill, write() returns false
    const wire = wrapWireSocket(client, { frames, maxQueuedBytes: 64 * 1024 * 1024 });
    const states: boolean[] = [];
    wire.writable$.subscribe((w) => states.push(w));
    const block = new Uint8Array(16384).fill(9);
    const results: string[] = [];
    let sent = 0;
    while (!results.includes('queued') || results.filter((r) => r === 'queued').length < 50) {
      results.push(wire.send({ type: 'piece', index: 1, begin: sent * 16384, block }));
      sent++;
      if (sent > 20_000) throw new Error('socket never reported backpressure');
    }
    expect(states).toEqual([true, false]);
    expect(wire.queuedBytes).toBeGreaterThan(0);
    // unsent: our queue plus what the socket holds past the send buffer mark
    expect(wire.unsentBytes).toBe(wire.queuedBytes + client.writableLength);
    expect(wire.unsentBytes).toBeGreaterThan(SEND_BUFFER_BYTES);
    const total = sent * (13 + 16384);
    let received = 0;
    const drained = firstValueFrom(wire.writable$.pipe(filter((w) => w)));
    remote.on('data', (c: Buffer) => (received += c.length));
    remote.resume();
    await drained;
    while (received < total) await once(remote, 'data');
    expect(received).toBe(total);
    expect(wire.queuedBytes).toBe(0);
    expect(wire.unsentBytes).toBe(0);
    expect(wire.bytesOut).toBe(total);
    client.destroy();
    remote.destroy();
  });

  it('closes a peer that never reads once the queue limit is passed', async () => {
    const { client, remote } = await pair();
    remote.pause();
    const wire = wrapWireSocket(client, { frames, maxQueuedBytes: 256 * 1024 });
    const end = lastValueFrom(wire.incoming$);
    const block = new Uint8Array(16384);
    let result = '';
    for (let i = 0; i < 100_000 && result !== 'closed'; i++) result = wire.send({ type: 'piece', index: 0, begin: 0, block });
    expect(result).toBe('closed');
    expect(wire.finished).toBe(true); // at once, before the socket's 'close'
    expect(await end).toMatchObject({ kind: 'end', end: { code: 'local', message: expect.stringMatching(/not reading/) } });
    remote.destroy();
  });

  it('turns a refused connection into an end value, not an exception', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const a = probe.address();
    const closedPort = typeof a === 'object' && a !== null ? a.port : 0;
    probe.close();
    await once(probe, 'close');
    const wire = wrapWireSocket(connect({ host: '127.0.0.1', port: closedPort }), { frames });
    const events: IncomingEvent[] = await lastValueFrom(wire.incoming$.pipe(toArray()));
    expect(events).toEqual([{ kind: 'end', end: { code: 'socketError', message: expect.stringMatching(/ECONNREFUSED/) } }]);
    expect(wire.send({ type: 'choke' })).toBe('closed');
  });

  it('a peer that resets the connection has hung up, as one that closes it (an MSE redial depends on it)', async () => {
    const { client, remote } = await pair();
    const wire = wrapWireSocket(client, { frames });
    const events = lastValueFrom(wire.incoming$.pipe(toArray()));
    remote.resetAndDestroy(); // RST, as a peer closing with our bytes unread sends
    expect(await events).toEqual([{ kind: 'end', end: { code: 'remoteClosed', message: 'peer reset the connection (ECONNRESET)' } }]);
  });

  it('ends with the protocol error and destroys the socket on bad input', async () => {
    const { client, remote } = await pair();
    const wire = wrapWireSocket(client, { frames });
    const all = lastValueFrom(wire.incoming$.pipe(toArray()));
    remote.on('error', () => undefined);
    remote.write(new TextEncoder().encode('SSH-2.0-OpenSSH\r\n'));
    const events = await all;
    expect(events.map((e) => e.kind)).toEqual(['protocolError', 'end']);
    expect(events[1]).toMatchObject({ end: { code: 'protocol', error: { tag: 'badProtocol' } } });
    expect(client.destroyed).toBe(true);
    remote.destroy();
  });
});
