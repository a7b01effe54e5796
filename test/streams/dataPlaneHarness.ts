import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { PeerEvent } from '../../machines/peer.machine.js';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { PeerGate } from '../../src/peers/peerGate.js';
import { PeerPieces } from '../../src/peers/peerPieces.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { PiecePicker } from '../../src/pieces/piecePicker.js';
import { RateMeter } from '../../src/stats/rateMeter.js';
import { TorrentStorage, type TorrentStorageOptions } from '../../src/storage/torrentStorage.js';
import type { Culprit } from '../../src/trust/smartBan.js';
import type { WireMessage } from '../../src/wire/index.js';
import { DownloadFlow } from '../../streams/downloadFlow.js';
import { newPeerRecord, type PeerRecord } from '../../streams/peerRecord.js';
import { UploadFlow } from '../../streams/uploadFlow.js';
import { writeSample } from '../support/sampleContent.js';

/** A scripted fake peer: what we sent it, what the data plane told its machine, and its gate. */
export interface FakePeer {
  readonly record: PeerRecord;
  readonly sent: WireMessage[];
  readonly notified: PeerEvent['type'][];
  /** Requests we sent it that it has not answered (in order). */
  outstanding(): { index: number; begin: number; length: number }[];
  /** Answers one of our requests with the right bytes from the source file. */
  deliver(index: number, begin: number): void;
  /** Answers every outstanding request, oldest first. */
  deliverAll(): void;
  /** BEP 6 reject for one of our requests. */
  reject(index: number, begin: number, length: number): void;
  /** Sets whether its socket accepts more (backpressure). */
  setWritable(w: boolean): void;
}

/**
 * The two data flows over a real picker and real storage (a temp folder), with peers that are
 * plain records scripted by the test and a simulated clock (`clock.t`): no sockets, no timers,
 * no peer machine (its part, opening the gate and calling refill/release, is done by hand).
 */
export async function dataPlane(
  options: { readonly length?: number; readonly pieceLength?: number; readonly seed?: boolean; readonly storage?: TorrentStorageOptions } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'st-plane-'));
  const length = options.length ?? 4 * 65_536;
  await writeSample(join(dir, 'src'), [{ path: 'f.bin', length }]);
  const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: options.pieceLength ?? 65_536 })();
  if (E.isLeft(made)) throw new Error(made.left.message);
  const metainfo: Metainfo = made.right.metainfo;
  const source = new Uint8Array(await readFile(join(dir, 'src', 'f.bin')));
  const storage = await TorrentStorage.open(options.seed === true ? join(dir, 'src') : join(dir, 'out'), metainfo, options.storage);
  if (E.isLeft(storage)) throw new Error(storage.left.message);
  const have = options.seed === true ? Bitfield.full(metainfo.pieceCount) : new Bitfield(metainfo.pieceCount);
  if (options.seed === true) have.forEachSet((i) => storage.right.markVerified(i));
  const picker = new PiecePicker(metainfo.pieceLength, metainfo.totalLength);
  picker.setHave(have);
  const clock = { t: 0 };
  const now = (): number => clock.t;
  const peers = new Map<string, PeerRecord>();
  const verified: number[] = [];
  const verifiedWaiters: (() => void)[] = [];
  /** Every piece outcome with smart ban's verdict, in order. */
  const outcomes: { index: number; passed: boolean; culprits: readonly Culprit[] }[] = [];
  const outcomeWaiters: (() => void)[] = [];
  const outcome = (index: number, passed: boolean, culprits: readonly Culprit[]): void => {
    outcomes.push({ index, passed, culprits });
    for (const w of outcomeWaiters.splice(0)) w();
  };
  const misbehaved: string[] = [];
  const download = new DownloadFlow(
    picker,
    storage.right,
    have,
    peers,
    new RateMeter(),
    {
      pieceVerified: (i, culprits) => {
        verified.push(i);
        for (const w of verifiedWaiters.splice(0)) w();
        outcome(i, true, culprits);
      },
      pieceFailed: (i, culprits) => outcome(i, false, culprits),
      storageFailed: (m) => misbehaved.push(`storage: ${m}`),
      peerMisbehaved: (_p, m) => misbehaved.push(m),
    },
    now,
  );
  /** Pieces the upload flow found unreadable, with why. */
  const lost: { index: number; message: string }[] = [];
  const upload = new UploadFlow(storage.right, have, new RateMeter(), now, (_p, m) => misbehaved.push(m), (index, e) => lost.push({ index, message: e.message }));

  /** A connected peer that has every piece (or `pieces`), handshake done, not yet unchoking us. */
  const addPeer = (
    id: string,
    pieces?: readonly number[],
    options: {
      readonly ip?: string;
      readonly corrupt?: (index: number, begin: number) => boolean;
      /** A peer machine's gate (the machine opens it) instead of one opened here. */
      readonly gate?: PeerGate;
      /** Also hands what the data plane tells the peer machine to a real machine. */
      readonly machine?: (e: PeerEvent) => void;
    } = {},
  ): FakePeer => {
    const gate = options.gate ?? new PeerGate();
    if (options.gate === undefined) {
      gate.open = true;
      gate.fast = true;
    }
    const peerPieces = new PeerPieces(have, picker.availability);
    if (pieces === undefined) peerPieces.replaceWithAll();
    else for (const i of pieces) peerPieces.gain(i);
    const record = newPeerRecord(id, { ip: options.ip ?? '127.0.0.1', port: 1000 + peers.size }, true, { gate, pieces: peerPieces }, now());
    const sent: WireMessage[] = [];
    const notified: PeerEvent['type'][] = [];
    let writable = true;
    record.send = (m) => {
      sent.push(m);
    };
    record.notify = (e) => {
      notified.push(e.type);
      options.machine?.(e);
    };
    record.writable = () => writable;
    peers.set(id, record);
    const answered = new Set<string>();
    const key = (index: number, begin: number): string => `${index}:${begin}`;
    const outstanding = () =>
      sent.flatMap((m) => (m.type === 'request' && !answered.has(key(m.index, m.begin)) ? [{ index: m.index, begin: m.begin, length: m.length }] : []));
    const deliver = (index: number, begin: number): void => {
      answered.add(key(index, begin));
      const at = index * metainfo.pieceLength + begin;
      const size = Math.min(16_384, metainfo.pieceLength - begin, metainfo.totalLength - at);
      const block = source.subarray(at, at + size);
      if (options.corrupt?.(index, begin) !== true) download.onBlock(record, index, begin, block);
      else download.onBlock(record, index, begin, block.map((b) => b ^ 0xff)); // a lying peer
    };
    return {
      record,
      sent,
      notified,
      outstanding,
      deliver,
      deliverAll: () => {
        for (const r of outstanding()) deliver(r.index, r.begin);
      },
      reject: (index, begin, len) => {
        answered.add(key(index, begin));
        download.onReject(record, index, begin, len);
      },
      setWritable: (w) => {
        writable = w;
        if (w) upload.onWritable(record);
      },
    };
  };

  /** What the peer machine does on PEER_UNCHOKE: open the request gate, refill. */
  const unchokeUs = (p: FakePeer): void => {
    p.record.gate.mayRequest = true;
    download.refill(p.record);
  };
  /** What the peer machine does on PEER_CHOKE: close the gate, release our requests. */
  const chokeUs = (p: FakePeer): void => {
    p.record.gate.mayRequest = false;
    download.release(p.record);
    download.refill(p.record);
  };

  return {
    metainfo,
    storage: storage.right,
    peers,
    picker,
    download,
    upload,
    have,
    clock,
    verified,
    outcomes,
    lost,
    /** Where the torrent's single file lives. */
    filePath: join(dir, options.seed === true ? 'src' : 'out', 'f.bin'),
    misbehaved,
    addPeer,
    unchokeUs,
    chokeUs,
    /** Resolves once `n` piece outcomes (verified or failed) were reported. */
    outcomeCount: (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (outcomes.length >= n) resolve();
          else outcomeWaiters.push(check);
        };
        check();
      }),
    /** Resolves once `n` pieces are verified (an event from the flow, not polling). */
    verifiedCount: (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (verified.length >= n) resolve();
          else verifiedWaiters.push(check);
        };
        check();
      }),
    close: async (): Promise<void> => {
      await storage.right.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
