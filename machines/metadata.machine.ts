import { and, cancel, emit, enqueueActions, not, setup } from 'xstate';
import { checkMetadataSize, MetadataAssembly, type MetadataPieceFault, type PieceWitness } from '../src/extensions/metadataAssembly.js';
import { MAX_METADATA_SIZE } from '../src/extensions/limits.js';

/**
 * Fetching a torrent's info dictionary from peers (BEP 9, ut_metadata), for a download that
 * started from a magnet link: waitingForPeers → requesting → verifying → done.
 *
 * EVENT CONTRACT
 *
 * In, from the session (one per peer connection that negotiated ut_metadata):
 * - `PEER_HAS_METADATA {peerId, size}`: the peer's extended handshake gave `metadata_size`.
 * - `PIECE_RECEIVED {peerId, piece, totalSize, data}`: a ut_metadata data message.
 * - `PIECE_REJECTED {peerId, piece}`: a ut_metadata reject.
 * - `PEER_GONE {peerId}`: the connection closed.
 *
 * Out, via `actor.on(type, handler)`:
 * - `requestPiece {peerId, piece}`: send a ut_metadata request.
 * - `peerPenalised {peerId, reason, message}`: the peer rejected, timed out, sent a wrong piece
 *   or lying metadata, or claimed an absurd size; it is no longer asked. The session decides
 *   whether to also disconnect or ban it.
 * - `metadataProgress {received, total}`: pieces held so far (for `progress$`).
 *
 * Output (`done`): `{ infoBytes }`, the verified info dictionary; parse it with
 * metainfoFromMetadata and continue as if a .torrent had been opened.
 *
 * The bytes live in a MetadataAssembly (a core class); at most 512 pieces of 16 KiB ever pass
 * through here, once each. Timers are named delays: `requestTimeout`.
 */

/** Why a peer was penalised. */
export type MetadataPenalty = 'bad-size' | 'rejected' | 'timeout' | 'wrong-piece' | 'wrong-metadata';

export interface MetadataMachineInput {
  /** The info hash from the magnet link, 40 hex characters. */
  readonly infoHashHex: string;
  /** Largest metadata we accept (default 8 MiB). */
  readonly maxMetadataSize?: number;
  /** Requests outstanding per peer at once (default 2, so a second peer gets work early). */
  readonly maxRequestsPerPeer?: number;
}

interface Source {
  readonly peerId: string;
  readonly size: number;
}

interface MetadataContext {
  readonly infoHashHex: string;
  readonly maxSize: number;
  readonly maxRequestsPerPeer: number;
  /** Peers that have the metadata and may be asked, in arrival order. */
  readonly sources: readonly Source[];
  /** Peers penalised during this exchange: never asked again. */
  readonly penalised: readonly string[];
  /** Created for the first source's size; replaced when no source of that size is left. */
  readonly assembly: MetadataAssembly | null;
  /** After a failed attempt with several senders: take the whole metadata from one peer at a time. */
  readonly singleSource: boolean;
  /** Pieces of a failed attempt with several senders; a later verified copy shows who lied. */
  readonly witnesses: { readonly size: number; readonly pieces: readonly PieceWitness[] } | null;
}

export type MetadataEvent =
  | { type: 'PEER_HAS_METADATA'; peerId: string; size: number }
  | { type: 'PIECE_RECEIVED'; peerId: string; piece: number; totalSize: number; data: Uint8Array }
  | { type: 'PIECE_REJECTED'; peerId: string; piece: number }
  | { type: 'PEER_GONE'; peerId: string }
  /** Raised by the machine itself `requestTimeout` after each request. */
  | { type: 'REQUEST_TIMED_OUT'; peerId: string; piece: number };

export type MetadataEmitted =
  | { type: 'requestPiece'; peerId: string; piece: number }
  | { type: 'peerPenalised'; peerId: string; reason: MetadataPenalty; message: string }
  | { type: 'metadataProgress'; received: number; total: number };

export interface MetadataMachineOutput {
  readonly infoBytes: Uint8Array;
}

const timerId = (peerId: string, piece: number): string => `request:${peerId}:${piece}`;
const peerOf = (event: MetadataEvent): string => event.peerId;
const isSource = (context: MetadataContext, peerId: string): boolean => context.sources.some((s) => s.peerId === peerId);
const pieceFault = (context: MetadataContext, event: MetadataEvent): MetadataPieceFault | 'no-assembly' | undefined =>
  event.type !== 'PIECE_RECEIVED' || context.assembly === null
    ? 'no-assembly'
    : context.assembly.fault(event.peerId, event.piece, event.totalSize, event.data);
const penalty = (peerId: string, reason: MetadataPenalty, message: string): MetadataEmitted => ({ type: 'peerPenalised', peerId, reason, message });

export const metadataMachine = setup({
  types: {
    input: {} as MetadataMachineInput,
    context: {} as MetadataContext,
    events: {} as MetadataEvent,
    emitted: {} as MetadataEmitted,
    output: {} as MetadataMachineOutput,
  },
  delays: {
    /** A peer that does not answer a request within this is asked no more. */
    requestTimeout: 20_000,
  },
  guards: {
    newSource: ({ context, event }) =>
      event.type === 'PEER_HAS_METADATA' &&
      checkMetadataSize(event.size, context.maxSize)._tag === 'Right' &&
      !isSource(context, event.peerId) &&
      !context.penalised.includes(event.peerId),
    absurdSize: ({ context, event }) => event.type === 'PEER_HAS_METADATA' && checkMetadataSize(event.size, context.maxSize)._tag === 'Left',
    pieceFits: ({ context, event }) => pieceFault(context, event) === undefined,
    completesMetadata: ({ context }) => context.assembly !== null && context.assembly.receivedCount === context.assembly.pieceCount - 1,
    fromSource: ({ context, event }) => isSource(context, peerOf(event)),
    requestStillOpen: ({ context, event }) =>
      (event.type === 'PIECE_REJECTED' || event.type === 'REQUEST_TIMED_OUT') && (context.assembly?.requestedOf(event.peerId).includes(event.piece) ?? false),
    noSources: ({ context }) => context.sources.length === 0,
    metadataMatches: ({ context }) => context.assembly?.matches(context.infoHashHex) ?? false,
  },
  actions: {
    addSource: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'PEER_HAS_METADATA') enqueue.assign({ sources: [...context.sources, { peerId: event.peerId, size: event.size }] });
    }),
    penaliseBadSize: emit(({ context, event }) =>
      penalty(peerOf(event), 'bad-size', `metadata_size ${(event as { size?: number }).size} is not between 1 and ${context.maxSize} bytes`),
    ),
    /** Asks sources for missing pieces: the least-loaded peer first, so pieces spread over peers. */
    dispatch: enqueueActions(({ context, enqueue }) => {
      if (context.sources.length === 0) return;
      let assembly = context.assembly;
      if (assembly === null || !context.sources.some((s) => s.size === assembly!.size)) {
        const created = MetadataAssembly.create(context.sources[0]!.size, context.maxSize);
        if (created._tag === 'Left') return; // cannot happen: sizes are checked on arrival
        assembly = created.right;
        enqueue.assign({ assembly });
      }
      const size = assembly.size;
      const eligible = context.sources.filter((s) => s.size === size).slice(0, context.singleSource ? 1 : undefined);
      const load = new Map(eligible.map((s) => [s.peerId, assembly!.requestedOf(s.peerId).length]));
      for (const piece of assembly.unrequested()) {
        let best: string | undefined;
        for (const [peerId, n] of load) if (n < context.maxRequestsPerPeer && (best === undefined || n < load.get(best)!)) best = peerId;
        if (best === undefined) break;
        load.set(best, load.get(best)! + 1);
        assembly.markRequested(piece, best);
        enqueue(emit({ type: 'requestPiece' as const, peerId: best, piece }));
        enqueue.raise({ type: 'REQUEST_TIMED_OUT', peerId: best, piece }, { id: timerId(best, piece), delay: 'requestTimeout' });
      }
    }),
    storePiece: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'PIECE_RECEIVED' || context.assembly === null) return;
      enqueue(cancel(timerId(event.peerId, event.piece)));
      context.assembly.store(event.peerId, event.piece, event.data);
      enqueue(emit({ type: 'metadataProgress' as const, received: context.assembly.receivedCount, total: context.assembly.pieceCount }));
    }),
    penaliseWrongPiece: emit(({ context, event }) =>
      penalty(peerOf(event), 'wrong-piece', `sent metadata piece ${(event as { piece?: number }).piece} we cannot use (${pieceFault(context, event)})`),
    ),
    penaliseRejected: emit(({ event }) => penalty(peerOf(event), 'rejected', `rejected our request for metadata piece ${(event as { piece?: number }).piece}`)),
    penaliseTimeout: emit(({ event }) => penalty(peerOf(event), 'timeout', `did not answer our request for metadata piece ${(event as { piece?: number }).piece}`)),
    /** Stops asking a peer: its open requests go back to the pool and their timers stop. */
    dropPeer: enqueueActions(({ context, event, enqueue }) => {
      const peerId = peerOf(event);
      for (const piece of context.assembly?.requestedOf(peerId) ?? []) enqueue(cancel(timerId(peerId, piece)));
      context.assembly?.release(peerId);
      enqueue.assign({ sources: context.sources.filter((s) => s.peerId !== peerId) });
    }),
    rememberPenalty: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ penalised: [...context.penalised, peerOf(event)] });
    }),
    /**
     * The whole failed the hash. One sender: it lied, drop it. Several: we cannot tell who, so
     * keep what each sent and start over from a single peer at a time.
     */
    startOver: enqueueActions(({ context, enqueue }) => {
      const assembly = context.assembly;
      if (assembly === null) return;
      const senders = assembly.contributors();
      if (senders.length === 1) {
        const liar = senders[0]!;
        enqueue(emit(penalty(liar, 'wrong-metadata', `sent metadata that does not hash to ${context.infoHashHex}`)));
        enqueue.assign({ sources: context.sources.filter((s) => s.peerId !== liar), penalised: [...context.penalised, liar] });
      } else {
        enqueue.assign({ singleSource: true, witnesses: { size: assembly.size, pieces: assembly.witnesses() } });
      }
      enqueue.assign({ assembly: null });
    }),
    /** Verified: whoever sent a differing piece in an earlier mixed attempt lied (BEP 9). */
    penaliseLiars: enqueueActions(({ context, enqueue }) => {
      const w = context.witnesses;
      if (w === null || context.assembly === null || w.size !== context.assembly.size) return;
      for (const liar of context.assembly.liarsAmong(w.pieces).filter((p) => !context.penalised.includes(p))) {
        enqueue(emit(penalty(liar, 'wrong-metadata', `sent metadata pieces that do not hash to ${context.infoHashHex}`)));
      }
    }),
  },
}).createMachine({
  id: 'metadata',
  description: 'Fetching the info dictionary of a magnet link from peers, 16 KiB at a time, and checking it against the info hash.',
  meta: {
    bep: 'BEP 9 · Extension for Peers to Send Metadata Files',
    events: {
      PEER_HAS_METADATA: { description: "A peer's extended handshake announced metadata_size: it can send us the metadata.", bep: 'BEP 9 · extension header' },
      PIECE_RECEIVED: { description: 'A ut_metadata data message: one 16 KiB piece of the info dictionary.', bep: 'BEP 9 · data' },
      PIECE_REJECTED: { description: 'A ut_metadata reject: the peer will not send that piece.', bep: 'BEP 9 · reject' },
      PEER_GONE: { description: 'The connection to the peer closed.' },
      REQUEST_TIMED_OUT: { description: 'Raised by the machine itself requestTimeout after a request.' },
    },
    delays: {
      requestTimeout: { description: 'How long one ut_metadata request may go unanswered before the peer is asked no more.' },
    },
    guards: {
      newSource: 'The size is between 1 byte and the 8 MiB bound, and the peer is neither known nor penalised.',
      absurdSize: 'The claimed metadata_size is 0 or beyond the bound (e.g. 2^40): nothing is allocated for it.',
      pieceFits: 'We asked this peer for this piece, total_size matches and the length is right.',
      completesMetadata: 'This piece is the last one missing.',
      fromSource: 'The peer is one we are asking (not one already penalised or gone).',
      requestStillOpen: 'The request this refers to is still outstanding to that peer.',
      noSources: 'No peer with the metadata is left to ask.',
      metadataMatches: 'The SHA-1 of the assembled bytes equals the info hash.',
    },
  },
  context: ({ input }) => ({
    infoHashHex: input.infoHashHex.toLowerCase(),
    maxSize: input.maxMetadataSize ?? MAX_METADATA_SIZE,
    maxRequestsPerPeer: input.maxRequestsPerPeer ?? 2,
    sources: [],
    penalised: [],
    assembly: null,
    singleSource: false,
    witnesses: null,
  }),
  initial: 'waitingForPeers',
  states: {
    waitingForPeers: {
      description: 'No connected peer has offered the metadata yet (or every one was penalised or left).',
      on: {
        PEER_HAS_METADATA: [
          { guard: 'newSource', target: 'requesting', actions: 'addSource', description: 'A peer has the metadata: start asking it.', meta: { bep: 'BEP 9 · extension header' } },
          { guard: 'absurdSize', actions: ['penaliseBadSize', 'rememberPenalty'], description: 'A size of 0 or over the bound is ignored, and nothing allocated.' },
        ],
      },
    },
    requesting: {
      description: 'Asking peers for the missing 16 KiB pieces, spread over every peer that has them, each request timed.',
      meta: { bep: 'BEP 9 · request' },
      entry: 'dispatch',
      always: { guard: 'noSources', target: 'waitingForPeers', description: 'Everyone we could ask is gone or penalised: wait for another peer.' },
      on: {
        PEER_HAS_METADATA: [
          { guard: 'newSource', actions: ['addSource', 'dispatch'], description: 'One more peer to spread requests over.' },
          { guard: 'absurdSize', actions: ['penaliseBadSize', 'rememberPenalty'], description: 'A size of 0 or over the bound is ignored, and nothing allocated.' },
        ],
        PIECE_RECEIVED: [
          {
            guard: and(['pieceFits', 'completesMetadata']),
            target: 'verifying',
            actions: 'storePiece',
            description: 'The last missing piece: check the whole.',
            meta: { bep: 'BEP 9 · data' },
          },
          { guard: 'pieceFits', actions: ['storePiece', 'dispatch'], description: 'Keep the piece and ask for the next one.', meta: { bep: 'BEP 9 · data' } },
          {
            guard: and(['fromSource', not('pieceFits')]),
            actions: ['penaliseWrongPiece', 'dropPeer', 'rememberPenalty', 'dispatch'],
            description: 'Unrequested, wrong size or wrong total_size: stop asking this peer, ask another.',
          },
        ],
        PIECE_REJECTED: {
          guard: 'requestStillOpen',
          actions: ['penaliseRejected', 'dropPeer', 'rememberPenalty', 'dispatch'],
          description: 'The peer will not send it: ask another peer.',
          meta: { bep: 'BEP 9 · reject' },
        },
        REQUEST_TIMED_OUT: {
          guard: 'requestStillOpen',
          actions: ['penaliseTimeout', 'dropPeer', 'rememberPenalty', 'dispatch'],
          description: 'No answer in requestTimeout: ask another peer.',
        },
        PEER_GONE: { guard: 'fromSource', actions: ['dropPeer', 'dispatch'], description: 'Its open requests go to the remaining peers.' },
      },
    },
    verifying: {
      description: 'Every piece is here: the SHA-1 of the whole must be the info hash.',
      meta: { bep: 'BEP 9 · metadata' },
      always: [
        { guard: 'metadataMatches', target: 'done', actions: 'penaliseLiars', description: 'It is the torrent the link names.' },
        {
          target: 'requesting',
          actions: 'startOver',
          description: 'Someone lied: a sole sender is penalised; with several, start over one peer at a time.',
        },
      ],
    },
    done: {
      description: 'The verified info dictionary is the output; the torrent continues as if opened from a .torrent.',
      type: 'final',
    },
  },
  output: ({ context }) => ({ infoBytes: context.assembly?.bytes() ?? new Uint8Array(0) }),
});

/** The metadata machine's type, for typing actor refs. */
export type MetadataMachine = typeof metadataMachine;

// Coverage samples (test/machines/coverage.test.ts): 16,385 zero bytes, two pieces, one request per peer.
const SAMPLE_SIZE = 16_385;
/** `createActor` input for coverage exploration: the SHA-1 of {@link SAMPLE_SIZE} zero bytes. */
export const metadataMachineSampleInput: MetadataMachineInput = { infoHashHex: '3b94306348272b25608f5a3e17ced97ccccd8031', maxRequestsPerPeer: 1 };
const zeros = (n: number): Uint8Array => new Uint8Array(n);
/** Events with payloads for coverage exploration: two honest-or-lying peers and a hostile size. */
export const metadataMachineSampleEvents: readonly MetadataEvent[] = [
  { type: 'PEER_HAS_METADATA', peerId: 'A', size: SAMPLE_SIZE },
  { type: 'PEER_HAS_METADATA', peerId: 'B', size: SAMPLE_SIZE },
  { type: 'PEER_HAS_METADATA', peerId: 'X', size: 2 ** 40 },
  { type: 'PIECE_RECEIVED', peerId: 'A', piece: 0, totalSize: SAMPLE_SIZE, data: zeros(16_384) },
  { type: 'PIECE_RECEIVED', peerId: 'A', piece: 1, totalSize: SAMPLE_SIZE, data: zeros(1) },
  { type: 'PIECE_RECEIVED', peerId: 'B', piece: 1, totalSize: SAMPLE_SIZE, data: Uint8Array.of(1) },
  { type: 'PIECE_RECEIVED', peerId: 'A', piece: 0, totalSize: SAMPLE_SIZE, data: zeros(5) },
  { type: 'PIECE_REJECTED', peerId: 'A', piece: 0 },
  { type: 'REQUEST_TIMED_OUT', peerId: 'A', piece: 0 },
  { type: 'PEER_GONE', peerId: 'A' },
];
