import { describe, expect, it } from 'vitest';
import { assign, createActor, fromPromise, setup, SimulatedClock, waitFor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { announceMachine, type AnnounceIntent } from '../../machines/announce.machine.js';
import { torrentMachine, type TorrentEmitted } from '../../machines/torrent.machine.js';
import { BanList } from '../../src/peers/banList.js';
import type { AnnounceResponse } from '../../src/tracker/types.js';

/** Stand-in child that records what it is told; finishes on STOP (like the announce machine). */
const recorder = setup({ types: { context: {} as { got: string[]; messages: string[]; input: unknown }, events: {} as { type: string; message?: string }, input: {} as unknown } }).createMachine({
  context: ({ input }) => ({ got: [], messages: [], input }),
  initial: 'live',
  states: {
    live: {
      on: {
        STOP: { target: 'done', actions: assign({ got: ({ context, event }) => [...context.got, event.type] }) },
        '*': { actions: assign({ got: ({ context, event }) => [...context.got, event.type], messages: ({ context, event }) => [...context.messages, ...(event.message === undefined ? [] : [event.message])] }) },
      },
    },
    done: { type: 'final' },
  },
});
const idle = setup({}).createMachine({});

function start(opts: { bans?: BanList; pieceCount?: number; verified?: number; maxPeers?: number; announcerFinishes?: boolean; choker?: AnyActorLogic; peerInput?: Record<string, unknown>; dht?: AnyActorLogic; peerId?: string } = {}) {
  const clock = new SimulatedClock();
  const machine = torrentMachine.provide({
    actors: {
      checkPieces: fromPromise(async () => opts.verified ?? 0),
      peer: recorder,
      announcer: opts.announcerFinishes === false ? idle : recorder,
      choker: opts.choker ?? idle,
      ...(opts.dht === undefined ? {} : { dhtAnnouncer: opts.dht }),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: {
      pieceCount: opts.pieceCount ?? 3,
      maxPeers: opts.maxPeers ?? 2,
      peerInput: opts.peerInput ?? {},
      ...(opts.bans !== undefined ? { bans: opts.bans } : {}),
      ...(opts.peerId !== undefined ? { peerId: opts.peerId } : {}),
    },
  });
  const emitted: TorrentEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  const got = (id: string): string[] => ((actor.system.get(id) as AnyActorRef).getSnapshot().context as { got: string[] }).got;
  const messages = (id: string): string[] => ((actor.system.get(id) as AnyActorRef).getSnapshot().context as { messages: string[] }).messages;
  return { clock, actor, emitted, got, messages };
}

const ep = (n: number) => ({ ip: `127.0.0.${n}`, port: 6881 });

describe('torrent machine', () => {
  it('checks, then downloads and announces started', async () => {
    const t = start({ verified: 1 });
    expect(t.actor.getSnapshot().matches('checking')).toBe(true);
    await waitFor(t.actor, (s) => s.matches('active'));
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'downloading' } })).toBe(true);
    expect(t.got('announce')).toEqual(['START']);
  });

  it('goes straight to seeding when the check finds everything, without a completed announce', async () => {
    const t = start({ verified: 3 });
    await waitFor(t.actor, (s) => s.matches('active'));
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'seeding' } })).toBe(true);
    expect(t.emitted.map((e) => e.type)).not.toContain('completed');
    expect(t.got('announce')).toEqual(['START']);
  });

  it('dials discovered peers up to the connection limit, and the next one when a peer closes', async () => {
    const t = start({ maxPeers: 2 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2), ep(3), ep(4)] });
    expect(t.emitted.filter((e) => e.type === 'dial').map((e) => (e as { id: string }).id)).toEqual(['127.0.0.2:6881', '127.0.0.3:6881']);
    expect(t.actor.system.get('127.0.0.2:6881')).toBeDefined();
    t.actor.send({ type: 'PEER_CLOSED', id: '127.0.0.2:6881', endpoint: ep(2), failed: true });
    expect(t.actor.system.get('127.0.0.2:6881')).toBeUndefined();
    expect(t.emitted.filter((e) => e.type === 'dial').map((e) => (e as { id: string }).id)).toEqual([
      '127.0.0.2:6881',
      '127.0.0.3:6881',
      '127.0.0.4:6881',
    ]);
  });

  it('redials a failed candidate once its back-off has passed', async () => {
    const t = start({ maxPeers: 1 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2)] });
    t.actor.send({ type: 'PEER_CLOSED', id: '127.0.0.2:6881', endpoint: ep(2), failed: true });
    const dials = () => t.emitted.filter((e) => e.type === 'dial').length;
    expect(dials()).toBe(1);
    // two redial rounds (back-off counts rounds of the redial timer: one clock step, one round), back-off is 15 s
    t.clock.increment(5_000);
    t.clock.increment(5_000);
    expect(dials()).toBe(1);
    t.clock.increment(5_000);
    expect(dials()).toBe(2);
  });

  it('accepts incoming peers while there is room and rejects the rest', async () => {
    const t = start({ maxPeers: 1 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'INCOMING_PEER', endpoint: ep(7) });
    expect(t.actor.system.get('127.0.0.7:6881')).toBeDefined();
    t.actor.send({ type: 'INCOMING_PEER', endpoint: ep(8) });
    expect(t.emitted.at(-1)).toEqual({ type: 'rejectIncoming', endpoint: ep(8) });
  });

  it('moves to seeding when the last piece verifies, announcing completed', async () => {
    const t = start({ pieceCount: 2 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PIECES_VERIFIED', indices: [0] });
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'downloading' } })).toBe(true);
    t.actor.send({ type: 'PIECES_VERIFIED', indices: [1] });
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'seeding' } })).toBe(true);
    expect(t.emitted.map((e) => e.type)).toContain('completed');
    expect(t.got('announce')).toEqual(['START', 'COMPLETED']);
  });

  it('counts a batch of verified pieces at once: the batch holding the last piece completes the torrent', async () => {
    const t = start({ pieceCount: 5 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PIECES_VERIFIED', indices: [3, 0, 4] });
    expect(t.actor.getSnapshot().context.verified).toBe(3);
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'downloading' } })).toBe(true);
    t.actor.send({ type: 'PIECES_VERIFIED', indices: [1, 2] });
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'seeding' } })).toBe(true);
    expect(t.emitted.filter((e) => e.type === 'completed')).toHaveLength(1);
  });

  it('announces completed on resume when the last piece verified while paused', async () => {
    const t = start({ pieceCount: 1 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PAUSE' });
    t.actor.send({ type: 'PIECES_VERIFIED', indices: [0] });
    t.actor.send({ type: 'RESUME' });
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'seeding' } })).toBe(true);
    expect(t.emitted.filter((e) => e.type === 'completed')).toHaveLength(1);
    expect(t.got('announce')).toEqual(['START', 'COMPLETED']);
    t.actor.send({ type: 'PAUSE' });
    t.actor.send({ type: 'RESUME' });
    expect(t.got('announce')).toEqual(['START', 'COMPLETED']); // once only
  });

  it('never dials the listen address a connected peer named (BEP 10 `p`) while that connection runs; after it ends, once the back-off passed', async () => {
    const t = start({ maxPeers: 3 });
    await waitFor(t.actor, (s) => s.matches('active'));
    const incoming = { ip: '127.0.0.2', port: 50_123 }; // its ephemeral port: it dialled us
    t.actor.send({ type: 'INCOMING_PEER', endpoint: incoming });
    t.actor.send({ type: 'PEER_LISTENS', id: '127.0.0.2:50123', port: 6881 });
    // a tracker (or PEX) names that address afterwards, and another peer's
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2), ep(3)] });
    const dials = (): string[] => t.emitted.flatMap((e) => (e.type === 'dial' ? [e.id] : []));
    expect(dials()).toEqual(['127.0.0.3:6881']);
    for (let round = 0; round < 8; round++) t.clock.increment(5_000);
    expect(dials()).toEqual(['127.0.0.3:6881']);
    t.actor.send({ type: 'PEER_CLOSED', id: '127.0.0.2:50123', endpoint: incoming, failed: false });
    // a connection the torrent does not know (closed already, or never its own) holds nothing
    t.actor.send({ type: 'PEER_LISTENS', id: '127.0.0.2:50123', port: 6881 });
    expect(dials()).toEqual(['127.0.0.3:6881']); // a connection that worked: the usual 15 s first
    for (let round = 0; round < 3; round++) t.clock.increment(5_000);
    expect(dials()).toEqual(['127.0.0.3:6881', '127.0.0.2:6881']);
  });

  it('bans the sole contributor of a bad piece and closes its connection', async () => {
    const t = start();
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2)] });
    const reason = 'sent every block of piece 0, which failed its hash check';
    t.actor.send({ type: 'PIECE_FAILED', index: 0, culprits: [{ ip: '127.0.0.2', reason }] });
    expect(t.emitted.at(-1)).toEqual({ type: 'ban', ip: '127.0.0.2', reason, peerIds: ['127.0.0.2:6881'] });
    expect(t.got('127.0.0.2:6881')).toEqual(['CLOSE']);
    t.actor.send({ type: 'INCOMING_PEER', endpoint: ep(2) });
    expect(t.emitted.at(-1)).toEqual({ type: 'rejectIncoming', endpoint: ep(2) });
  });

  it('reports a liar once however many pieces convict it: twice in one verified batch, again before its close arrives', async () => {
    const bans = new BanList();
    const t = start({ bans });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2)] });
    const reason = (i: number): string => `sent 3 blocks of piece ${i} that differ from the copy that passed its hash check`;
    t.actor.send({ type: 'PIECES_VERIFIED', indices: [4, 9], culprits: [{ ip: '127.0.0.2', reason: reason(4) }, { ip: '127.0.0.2', reason: reason(9) }] });
    t.actor.send({ type: 'PIECE_FAILED', index: 11, culprits: [{ ip: '127.0.0.2', reason: reason(11) }] });
    expect(t.emitted.filter((e) => e.type === 'ban')).toEqual([{ type: 'ban', ip: '127.0.0.2', reason: reason(4), peerIds: ['127.0.0.2:6881'] }]);
    expect(t.got('127.0.0.2:6881')).toEqual(['CLOSE']);
    // another torrent of the session banned the IP first: this one's own verdict is still
    // reported, once
    const shared = new BanList();
    shared.ban('127.0.0.5', 'sent bad blocks for another torrent');
    const third = start({ bans: shared });
    await waitFor(third.actor, (s) => s.matches('active'));
    third.actor.send({ type: 'PIECE_FAILED', index: 0, culprits: [{ ip: '127.0.0.5', reason: 'sent every block of piece 0, which failed its hash check' }] });
    third.actor.send({ type: 'PIECE_FAILED', index: 1, culprits: [{ ip: '127.0.0.5', reason: 'sent every block of piece 1, which failed its hash check' }] });
    expect(third.emitted.filter((e) => e.type === 'ban')).toHaveLength(1);
  });

  it('bans only the culprits of a verdict: honest contributors of failed pieces are never blamed', async () => {
    const bans = new BanList();
    const t = start({ bans });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2), ep(3)] });
    // mixed senders: no verdict yet, however often pieces fail
    for (let i = 0; i < 3; i++) t.actor.send({ type: 'PIECE_FAILED', index: i, culprits: [] });
    expect(t.emitted.filter((e) => e.type === 'ban')).toEqual([]);
    // the refetched piece passed; its failed copy had bad blocks from 127.0.0.3 only
    const reason = 'sent 2 blocks of piece 0 that differ from the copy that passed its hash check';
    t.actor.send({ type: 'PIECES_VERIFIED', indices: [0], culprits: [{ ip: '127.0.0.3', reason }] });
    expect(t.emitted.filter((e) => e.type === 'ban')).toEqual([{ type: 'ban', ip: '127.0.0.3', reason, peerIds: ['127.0.0.3:6881'] }]);
    expect(t.got('127.0.0.3:6881')).toEqual(['CLOSE']);
    expect(t.got('127.0.0.2:6881')).toEqual([]);
    expect(bans.reason('127.0.0.3')).toBe(reason);
    // the ban is the session's: another torrent sharing the list refuses and never dials the IP
    const other = start({ bans });
    await waitFor(other.actor, (s) => s.matches('active'));
    other.actor.send({ type: 'INCOMING_PEER', endpoint: ep(3) });
    expect(other.emitted.at(-1)).toEqual({ type: 'rejectIncoming', endpoint: ep(3) });
    other.actor.send({ type: 'PEERS_DISCOVERED', peers: [{ ip: '127.0.0.3', port: 7000 }] });
    expect(other.emitted.filter((e) => e.type === 'dial')).toEqual([]);
  });

  it('stops: closes peers, announces stopped, finishes when the announcer is done', async () => {
    const t = start();
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2)] });
    const peer = t.actor.system.get('127.0.0.2:6881') as AnyActorRef;
    t.actor.send({ type: 'STOP' });
    expect((peer.getSnapshot().context as { got: string[] }).got).toEqual(['CLOSE']);
    expect(t.actor.getSnapshot().status).toBe('done');
    expect(t.emitted.at(-1)).toEqual({ type: 'stopped' });
  });

  it('stops after a grace period when the tracker never answers', async () => {
    const t = start({ announcerFinishes: false });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'STOP' });
    expect(t.actor.getSnapshot().matches('stopping')).toBe(true);
    t.clock.increment(3_000);
    expect(t.actor.getSnapshot().status).toBe('done');
  });

  it('pauses on a storage failure (peers closed, verified count kept), resumes, and stops on request', async () => {
    const t = start({ pieceCount: 2 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2)] });
    t.actor.send({ type: 'PIECES_VERIFIED', indices: [0] });
    t.actor.send({ type: 'STORAGE_ERROR', message: 'cannot write /x: ENOSPC (no space left on device)' });
    expect(t.actor.getSnapshot().matches('paused')).toBe(true);
    expect(t.emitted.at(-1)).toEqual({ type: 'storageFailed', message: 'cannot write /x: ENOSPC (no space left on device)' });
    expect(t.got('127.0.0.2:6881')).toEqual(['CLOSE']);
    expect(t.actor.getSnapshot().context.verified).toBe(1);
    t.actor.send({ type: 'PEER_CLOSED', id: '127.0.0.2:6881', endpoint: ep(2), failed: false });
    const dials = t.emitted.filter((e) => e.type === 'dial').length;
    t.actor.send({ type: 'RESUME' });
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'downloading' } })).toBe(true);
    // closed by our own pause: dialled again at once, no back-off
    expect(t.emitted.filter((e) => e.type === 'dial')).toHaveLength(dials + 1);
    t.actor.send({ type: 'STORAGE_ERROR', message: 'cannot write /x: EROFS' });
    t.actor.send({ type: 'STOP' });
    expect(t.actor.getSnapshot().status).toBe('done');
  });

  it('enters the error state when the check cannot read the files', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(
      torrentMachine.provide({ actors: { checkPieces: fromPromise(async () => Promise.reject(new Error('cannot read /x: EIO'))), peer: recorder, announcer: recorder, choker: idle } }),
      { clock, input: { pieceCount: 1, maxPeers: 1, peerInput: {} } },
    );
    const emitted: TorrentEmitted[] = [];
    actor.on('*', (e) => emitted.push(e));
    actor.start();
    await waitFor(actor, (s) => s.matches('error'));
    expect(emitted.at(-1)).toEqual({ type: 'failed', message: 'cannot read /x: EIO' });
    actor.send({ type: 'STOP' });
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('still announces stopped when stopping after a storage failure', async () => {
    const t = start();
    await waitFor(t.actor, (s) => s.matches('active'));
    const announce = t.actor.system.get('announce') as AnyActorRef;
    t.actor.send({ type: 'STORAGE_ERROR', message: 'cannot write /x: ENOSPC' });
    t.actor.send({ type: 'STOP' });
    expect((announce.getSnapshot().context as { got: string[] }).got).toEqual(['START', 'STOP']);
  });

  it('fails when the resume check fails', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(
      torrentMachine.provide({ actors: { checkPieces: fromPromise<number, void>(async () => { throw new Error('cannot read /x: EACCES'); }), peer: recorder, announcer: recorder, choker: idle } }),
      { clock, input: { pieceCount: 1, maxPeers: 1, peerInput: {} } },
    );
    actor.start();
    await waitFor(actor, (s) => s.matches('error'));
    expect(actor.getSnapshot().context.error).toBe('cannot read /x: EACCES');
  });

  it('pauses (closing peers) and resumes', async () => {
    const t = start();
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2)] });
    t.actor.send({ type: 'PAUSE' });
    expect(t.actor.getSnapshot().matches('paused')).toBe(true);
    expect(t.got('127.0.0.2:6881')).toEqual(['CLOSE']);
    t.actor.send({ type: 'RESUME' });
    expect(t.actor.getSnapshot().matches({ active: { transfer: 'downloading' } })).toBe(true);
  });

  it('hands every peer actor the plain peer input with its endpoint, marked outgoing or incoming', async () => {
    const t = start({ maxPeers: 3, peerInput: { pieceCount: 3 } });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2)] });
    t.actor.send({ type: 'INCOMING_PEER', endpoint: ep(7) });
    const inputOf = (id: string): unknown => ((t.actor.system.get(id) as AnyActorRef).getSnapshot().context as { input: unknown }).input;
    expect(inputOf('127.0.0.2:6881')).toEqual({ pieceCount: 3, endpoint: ep(2), outgoing: true });
    expect(inputOf('127.0.0.7:6881')).toEqual({ pieceCount: 3, endpoint: ep(7), outgoing: false });
  });

  it('asks the trackers for more peers while downloading with room and nobody left to dial', async () => {
    const t = start({ maxPeers: 2 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(2), ep(3), ep(4)] });
    t.clock.increment(5_000); // full: no need
    expect(t.got('announce')).toEqual(['START']);
    t.actor.send({ type: 'PEER_CLOSED', id: '127.0.0.2:6881', endpoint: ep(2), failed: true }); // 127.0.0.4 replaces it
    t.actor.send({ type: 'PEER_CLOSED', id: '127.0.0.3:6881', endpoint: ep(3), failed: true }); // nobody left
    expect(t.got('announce')).toEqual(['START']); // the next redial round decides
    t.clock.increment(5_000);
    expect(t.got('announce')).toEqual(['START', 'NEED_PEERS']);
  });

  it('the DHT announcer hears START, NEED_PEERS and STOP like the tracker announcer; its peers are dialled as DHT peers', async () => {
    const t = start({ maxPeers: 2, dht: recorder });
    await waitFor(t.actor, (s) => s.matches('active'));
    expect(t.got('dht')).toEqual(['START']);
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(5)], source: 'dht' });
    expect(t.emitted.filter((e) => e.type === 'dial')).toEqual([{ type: 'dial', id: '127.0.0.5:6881', endpoint: ep(5), source: 'dht' }]);
    t.actor.send({ type: 'PEER_CLOSED', id: '127.0.0.5:6881', endpoint: ep(5), failed: true });
    t.clock.increment(5_000);
    expect(t.got('dht')).toEqual(['START', 'NEED_PEERS']);
    const dht = t.actor.system.get('dht') as AnyActorRef;
    t.actor.send({ type: 'STOP' });
    expect((dht.getSnapshot().context as { got: string[] }).got).toEqual(['START', 'NEED_PEERS', 'STOP']);
  });

  it('does not ask for peers while seeding', async () => {
    const t = start({ verified: 3 });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.clock.increment(15_000);
    expect(t.got('announce')).toEqual(['START']);
  });

  describe('a verified piece lost while seeding (its file truncated or replaced)', () => {
    const transfer = (t: ReturnType<typeof start>): unknown => (t.actor.getSnapshot().value as { active?: { transfer?: unknown } }).active?.transfer;
    const verified = (t: ReturnType<typeof start>): number => t.actor.getSnapshot().context.verified;

    it('downloads it again and seeds once it is back, announcing completed only once (BEP 3)', async () => {
      const t = start({ pieceCount: 2, maxPeers: 1 });
      await waitFor(t.actor, (s) => s.matches('active'));
      t.actor.send({ type: 'PIECES_VERIFIED', indices: [0] });
      t.actor.send({ type: 'PIECES_VERIFIED', indices: [1] });
      expect(transfer(t)).toBe('seeding');
      t.clock.increment(15_000); // seeding: no reason to ask trackers for peers
      expect(t.got('announce')).toEqual(['START', 'COMPLETED']);

      t.actor.send({ type: 'PIECE_LOST', index: 1 });
      expect(transfer(t)).toBe('downloading');
      expect(verified(t)).toBe(1);
      // repairing with nobody to dial: the next redial round asks the trackers for peers that have it
      t.clock.increment(5_000);
      expect(t.got('announce')).toEqual(['START', 'COMPLETED', 'NEED_PEERS']);

      t.actor.send({ type: 'PIECES_VERIFIED', indices: [1] });
      expect(transfer(t)).toBe('seeding');
      expect(verified(t)).toBe(2);
      expect(t.emitted.filter((e) => e.type === 'completed')).toHaveLength(1);
      expect(t.got('announce')).toEqual(['START', 'COMPLETED', 'NEED_PEERS']);
    });

    it('a torrent that started complete never announces completed, however often it is repaired', async () => {
      const t = start({ pieceCount: 3, verified: 3 });
      await waitFor(t.actor, (s) => s.matches('active'));
      for (let round = 0; round < 2; round++) {
        t.actor.send({ type: 'PIECE_LOST', index: 0 });
        t.actor.send({ type: 'PIECE_LOST', index: 2 });
        expect(transfer(t)).toBe('downloading');
        expect(verified(t)).toBe(1);
        t.actor.send({ type: 'PIECES_VERIFIED', indices: [2] });
        expect(transfer(t)).toBe('downloading');
        t.actor.send({ type: 'PIECES_VERIFIED', indices: [0] });
        expect(transfer(t)).toBe('seeding');
      }
      expect(t.emitted.map((e) => e.type)).not.toContain('completed');
      expect(t.got('announce')).toEqual(['START']);
    });

    it('counts a loss while paused; RESUME fetches it and seeds again without a second completed', async () => {
      const t = start({ pieceCount: 1 });
      await waitFor(t.actor, (s) => s.matches('active'));
      t.actor.send({ type: 'PIECES_VERIFIED', indices: [0] });
      t.actor.send({ type: 'PAUSE' });
      t.actor.send({ type: 'PIECE_LOST', index: 0 });
      expect(verified(t)).toBe(0);
      t.actor.send({ type: 'RESUME' });
      expect(transfer(t)).toBe('downloading');
      t.actor.send({ type: 'PIECES_VERIFIED', indices: [0] });
      expect(transfer(t)).toBe('seeding');
      expect(t.emitted.filter((e) => e.type === 'completed')).toHaveLength(1);
    });

    it('a loss while still downloading is one more piece to fetch', async () => {
      const t = start({ pieceCount: 3, verified: 2 });
      await waitFor(t.actor, (s) => s.matches('active'));
      t.actor.send({ type: 'PIECE_LOST', index: 0 });
      expect(verified(t)).toBe(1);
      t.actor.send({ type: 'PIECES_VERIFIED', indices: [2] });
      expect(transfer(t)).toBe('downloading');
      t.actor.send({ type: 'PIECES_VERIFIED', indices: [0] });
      expect(transfer(t)).toBe('seeding');
      expect(t.emitted.filter((e) => e.type === 'completed')).toHaveLength(1);
    });
  });

  it('runs the choker only while active: pausing stops it, resuming starts a fresh one', async () => {
    const t = start({ choker: recorder });
    await waitFor(t.actor, (s) => s.matches('active'));
    const first = t.actor.system.get('choker');
    expect(first).toBeDefined();
    t.actor.send({ type: 'PAUSE' });
    expect(t.actor.system.get('choker')).toBeUndefined();
    expect(first!.getSnapshot().status).toBe('stopped');
    t.actor.send({ type: 'RESUME' });
    expect(t.actor.system.get('choker')).toBeDefined();
    expect(t.actor.system.get('choker')).not.toBe(first);
  });

  it('with the real announcer: a starved download announces early, but not before min interval', async () => {
    const clock = new SimulatedClock();
    const announced: { event: string; at: number }[] = [];
    const announcer = announceMachine.provide({
      actors: {
        announce: fromPromise<AnnounceResponse, AnnounceIntent>(async ({ input }) => {
          announced.push({ event: input.event, at: clock.now() });
          return { interval: 1800, minInterval: 60, peers: [] };
        }),
      },
    });
    const actor = createActor(torrentMachine.provide({ actors: { checkPieces: fromPromise(async () => 0), peer: recorder, announcer, choker: idle } }), {
      clock,
      input: { pieceCount: 2, maxPeers: 2, peerInput: {} },
    });
    actor.start();
    await waitFor(actor, (s) => s.matches('active'));
    await waitFor(actor.system.get('announce') as AnyActorRef, (s) => s.matches('waiting'));
    expect(announced).toEqual([{ event: 'started', at: 0 }]);
    clock.increment(5_000); // a redial round with nobody to dial: NEED_PEERS, held until min interval
    clock.increment(50_000);
    expect(announced).toHaveLength(1);
    clock.increment(5_000);
    await waitFor(actor.system.get('announce') as AnyActorRef, (s) => s.matches('waiting'));
    expect(announced).toEqual([{ event: 'started', at: 0 }, { event: 'empty', at: 60_000 }]);
    actor.stop();
  });
});

describe('torrent machine: one connection per peer id', () => {
  const high = 'ee'.repeat(20);
  const low = '11'.repeat(20);
  const remote = '77'.repeat(20); // the peer on 127.0.0.2, between the two
  const listen = ep(2); // its listen address, which we dial
  const ephemeral = { ip: '127.0.0.2', port: 50_000 }; // where its own dial to us comes from
  const dialled = '127.0.0.2:6881';
  const accepted = '127.0.0.2:50000';
  const dials = (t: ReturnType<typeof start>, id: string): number => t.emitted.filter((e) => e.type === 'dial' && e.id === id).length;
  /** `id`, dialled `before` times so far, is dialled once more after the usual 15 s (three redial rounds), not sooner. */
  const redialledAfterUsualDelay = (t: ReturnType<typeof start>, id: string, before: number): void => {
    t.clock.increment(5_000);
    t.clock.increment(5_000);
    expect(dials(t, id)).toBe(before);
    t.clock.increment(5_000);
    expect(dials(t, id)).toBe(before + 1);
  };

  /** We dial it and it dials us (crossed dials); both handshakes complete, ours first. */
  async function crossed(peerId: string) {
    const t = start({ maxPeers: 3, peerId });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [listen] });
    t.actor.send({ type: 'INCOMING_PEER', endpoint: ephemeral });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: dialled, endpoint: listen, outgoing: true, peerId: remote });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: accepted, endpoint: ephemeral, outgoing: false, peerId: remote });
    return t;
  }

  it('crossed dials, our peer id higher: keeps the connection we dialled and closes its dial, saying why', async () => {
    const t = await crossed(high);
    expect(t.got(dialled)).toEqual([]);
    expect(t.got(accepted)).toEqual(['CLOSE']);
    expect(t.messages(accepted)).toEqual([`duplicate connection to peer ${remote.slice(0, 16)}… (kept ${dialled})`]);
  });

  it('crossed dials, our peer id lower: keeps its dial, even though ours completed first', async () => {
    const t = await crossed(low);
    expect(t.got(dialled)).toEqual(['CLOSE']);
    expect(t.got(accepted)).toEqual([]);
    expect(t.messages(dialled)[0]).toMatch(/^duplicate connection to peer 7777777777777777… \(kept 127\.0\.0\.2:50000\)$/);
  });

  it('the order the handshakes complete in does not change which connection survives', async () => {
    const t = start({ maxPeers: 3, peerId: low });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [listen] });
    t.actor.send({ type: 'INCOMING_PEER', endpoint: ephemeral });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: accepted, endpoint: ephemeral, outgoing: false, peerId: remote });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: dialled, endpoint: listen, outgoing: true, peerId: remote });
    expect(t.got(dialled)).toEqual(['CLOSE']);
    expect(t.got(accepted)).toEqual([]);
  });

  it('a closed duplicate is no failure: no ban, no failure back-off, its slot refilled, and its address not redialled while the kept connection runs', async () => {
    const t = await crossed(low);
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [ep(3)] });
    expect(dials(t, '127.0.0.3:6881')).toBe(1); // the third slot
    t.actor.send({ type: 'PEER_CLOSED', id: dialled, endpoint: listen, failed: false });
    expect(t.actor.system.get(dialled)).toBeUndefined();
    expect(t.actor.getSnapshot().context.peers).toEqual(new Set([accepted, '127.0.0.3:6881']));
    // redialling its address would only make the same duplicate again
    for (let i = 0; i < 12; i++) t.clock.increment(5_000);
    expect(dials(t, dialled)).toBe(1);
    expect(t.emitted.filter((e) => e.type === 'ban')).toEqual([]);
    // the kept connection ends: the address is a normal candidate again (the usual 15 s, not a failure's back-off)
    t.actor.send({ type: 'PEER_CLOSED', id: accepted, endpoint: ephemeral, failed: false });
    redialledAfterUsualDelay(t, dialled, 1);
  });

  it('a peer under two addresses, both dialled by us: keeps the first, closes the second, whatever the ids', async () => {
    for (const peerId of [high, low]) {
      const t = start({ maxPeers: 3, peerId });
      await waitFor(t.actor, (s) => s.matches('active'));
      const other = { ip: '127.0.0.9', port: 7000 };
      t.actor.send({ type: 'PEERS_DISCOVERED', peers: [listen, other] });
      t.actor.send({ type: 'PEER_IDENTIFIED', id: dialled, endpoint: listen, outgoing: true, peerId: remote });
      t.actor.send({ type: 'PEER_IDENTIFIED', id: '127.0.0.9:7000', endpoint: other, outgoing: true, peerId: remote });
      expect(t.got(dialled)).toEqual([]);
      expect(t.got('127.0.0.9:7000')).toEqual(['CLOSE']);
    }
  });

  it('its peer id presented from another IP: the newcomer is closed, the honest connection kept and its address not held back', async () => {
    // remote (0x77…) is higher than ours (0x11…): between crossed dials, its dial would survive
    const t = start({ maxPeers: 3, peerId: low });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [listen] });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: dialled, endpoint: listen, outgoing: true, peerId: remote });
    const impostor = { ip: '127.0.0.9', port: 50_000 };
    t.actor.send({ type: 'INCOMING_PEER', endpoint: impostor });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: '127.0.0.9:50000', endpoint: impostor, outgoing: false, peerId: remote });
    expect(t.got('127.0.0.9:50000')).toEqual(['CLOSE']);
    expect(t.messages('127.0.0.9:50000')).toEqual([`duplicate connection to peer ${remote.slice(0, 16)}… (kept ${dialled})`]);
    expect(t.got(dialled)).toEqual([]);
    t.actor.send({ type: 'PEER_CLOSED', id: '127.0.0.9:50000', endpoint: impostor, failed: false });
    expect(t.actor.getSnapshot().context.peers).toEqual(new Set([dialled]));
    // a later connection from the impostor is again the newer one
    t.actor.send({ type: 'INCOMING_PEER', endpoint: impostor });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: '127.0.0.9:50000', endpoint: impostor, outgoing: false, peerId: remote });
    expect(t.got(dialled)).toEqual([]);
    // the honest connection ends on its own: its address is redialled after the usual 15 s
    t.actor.send({ type: 'PEER_CLOSED', id: dialled, endpoint: listen, failed: false });
    redialledAfterUsualDelay(t, dialled, 1);
  });

  it('never closes both: a third connection to the same peer is closed and the kept one stays', async () => {
    const t = await crossed(high);
    t.actor.send({ type: 'INCOMING_PEER', endpoint: { ip: '127.0.0.2', port: 50_001 } });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: '127.0.0.2:50001', endpoint: { ip: '127.0.0.2', port: 50_001 }, outgoing: false, peerId: remote });
    expect(t.got('127.0.0.2:50001')).toEqual(['CLOSE']);
    expect(t.got(dialled)).toEqual([]);
  });

  it('leaves connections to different peer ids alone, and ignores peers it does not know', async () => {
    const t = start({ maxPeers: 3, peerId: high });
    await waitFor(t.actor, (s) => s.matches('active'));
    t.actor.send({ type: 'PEERS_DISCOVERED', peers: [listen] });
    t.actor.send({ type: 'INCOMING_PEER', endpoint: ephemeral });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: dialled, endpoint: listen, outgoing: true, peerId: remote });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: accepted, endpoint: ephemeral, outgoing: false, peerId: low });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: '127.0.0.8:6881', endpoint: ep(8), outgoing: false, peerId: remote });
    expect(t.got(dialled)).toEqual([]);
    expect(t.got(accepted)).toEqual([]);
  });

  it('a connection closed and forgotten no longer counts: the next one to that peer id is kept', async () => {
    const t = await crossed(high);
    t.actor.send({ type: 'PEER_CLOSED', id: accepted, endpoint: ephemeral, failed: false });
    t.actor.send({ type: 'PEER_CLOSED', id: dialled, endpoint: listen, failed: false });
    t.actor.send({ type: 'INCOMING_PEER', endpoint: ephemeral });
    t.actor.send({ type: 'PEER_IDENTIFIED', id: accepted, endpoint: ephemeral, outgoing: false, peerId: remote });
    expect(t.got(accepted)).toEqual([]);
  });
});
