import * as E from 'fp-ts/lib/Either.js';
import type { Metainfo } from '../metainfo/types.js';
import { Session } from '../session/session.js';
import type { TorrentHandle } from '../session/torrentRuntime.js';
import type { TorrentProgress } from '../session/types.js';
import { PieceFlowLedger } from './pieceFlowLedger.js';

/** One participant of the demo swarm: its own session (port, peer id) and download folder. */
export interface SwarmMember {
  readonly name: string;
  readonly role: 'seeder' | 'leecher';
  readonly dir: string;
  readonly session: Session;
  readonly handle: TorrentHandle;
  /** The member's latest progress snapshot. */
  latest(): TorrentProgress;
  /** Distinct peers it completed a handshake with so far. */
  readonly peersMet: Set<string>;
}

/** A running local swarm: one seeder, some leechers, every one a separate Session on 127.0.0.1. */
export interface DemoSwarm {
  readonly seeder: SwarmMember;
  readonly leechers: readonly SwarmMember[];
  /** Piece bytes between members (see {@link PieceFlowLedger}). */
  readonly ledger: PieceFlowLedger;
  /** Stops every member (announcing `stopped`); safe to call twice. */
  close(): Promise<void>;
}

async function member(
  name: string,
  role: SwarmMember['role'],
  dir: string,
  metainfo: Metainfo,
  ledger: PieceFlowLedger,
  sessions: Session[],
): Promise<E.Either<string, () => Promise<E.Either<string, SwarmMember>>>> {
  // a loopback-only swarm: no DHT (it would join through the public routers)
  const started = await Session.start({ port: 0, host: '127.0.0.1', localAddress: '127.0.0.1', dht: false });
  if (E.isLeft(started)) return E.left(`${name}: ${started.left}`);
  const session = started.right;
  sessions.push(session);
  // registered before any member adds the torrent, so every connection can be attributed
  ledger.member(name, session.port);
  return E.right(async () => {
    const added = await session.add({ metainfo, downloadDir: dir, skipCheck: role === 'seeder', onWire: ledger.observer(name) });
    if (E.isLeft(added)) return E.left(`${name}: ${added.left}`);
    const handle = added.right;
    let latest: TorrentProgress | undefined;
    handle.progress$.subscribe((p) => (latest = p));
    const peersMet = new Set<string>();
    handle.events$.subscribe((e) => {
      if (e.type === 'peerConnected') peersMet.add(e.id);
    });
    return E.right({ name, role, dir, session, handle, latest: () => latest!, peersMet });
  });
}

/**
 * Starts the seeder (skipping the hash check: it has just made the torrent from its data) and
 * then all leechers at once; they find each other through the torrent's tracker.
 */
export async function startDemoSwarm(metainfo: Metainfo, seedDir: string, leecherDirs: readonly string[]): Promise<E.Either<string, DemoSwarm>> {
  const ledger = new PieceFlowLedger();
  const sessions: Session[] = [];
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= Promise.all(sessions.map((s) => s.close())).then(() => undefined));
  const fail = async (msg: string): Promise<E.Either<string, DemoSwarm>> => {
    await close();
    return E.left(msg);
  };
  const seedStart = await member('seeder', 'seeder', seedDir, metainfo, ledger, sessions);
  if (E.isLeft(seedStart)) return fail(seedStart.left);
  const seeder = await seedStart.right();
  if (E.isLeft(seeder)) return fail(seeder.left);
  const starts = [];
  for (const [i, dir] of leecherDirs.entries()) {
    const s = await member(`leecher ${i + 1}`, 'leecher', dir, metainfo, ledger, sessions);
    if (E.isLeft(s)) return fail(s.left);
    starts.push(s.right);
  }
  const leechers = await Promise.all(starts.map((start) => start()));
  const bad = leechers.find(E.isLeft);
  if (bad !== undefined) return fail(bad.left);
  return E.right({ seeder: seeder.right, leechers: leechers.map((l) => (l as E.Right<SwarmMember>).right), ledger, close });
}
