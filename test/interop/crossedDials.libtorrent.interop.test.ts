import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { PEER_ID_PREFIX } from '../../src/wire/peerId.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { Conditions } from '../support/conditions.js';

/** The address libtorrent runs on: the only peer there, so its connections are told apart by port alone. */
const LT_IP = '127.0.0.3';
/** Where our dials come from (we listen on 127.0.0.1). */
const OUR_DIALS_FROM = '127.0.0.4';
/** libtorrent 2.0's ids start "-LT2080-"; ours "-ST0010-", higher byte for byte. */
const LOWER_THAN_LIBTORRENT = new Uint8Array([...new TextEncoder().encode('-AA0001-'), ...new Uint8Array(12).fill(0x42)]);

/**
 * Acceptance: crossed dials with libtorrent. statorrent seeds and dials libtorrent (a slow
 * leecher), which was given our address and dials us a few seconds later: two connections
 * between the same two clients. libtorrent keeps one connection per peer id by the rule we use
 * (the one dialled by the side with the higher peer id survives: src/peers/duplicateConnection.ts,
 * its bt_peer_connection.cpp), so exactly one connection is left, the one the rule names, and it
 * carries the upload; we never close the other one as well.
 *
 * libtorrent 2.0 sends a fresh random peer id ("-LT2080-" + 12 random bytes) on every
 * connection, so our side cannot tell its two connections belong to one client: here it is
 * libtorrent, comparing our (stable) peer id, that closes the duplicate (QUIRKS.md).
 */
describe('crossed dials with libtorrent', () => {
  let dir: string;
  let torrentPath: string;
  let metainfo: Metainfo;
  let session: Session | undefined;
  let leecher: LibtorrentSwarmPeer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-crossed-'));
    torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(dir, 'original', 'content'), torrentPath, { pieceLengthLog2: 15 });
  });
  afterEach(async () => {
    await leecher?.stop();
    await session?.close();
    leecher = undefined;
    session = undefined;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases = [
    { name: 'our peer id higher: our dial survives, its dial is closed', peerId: undefined, survivor: 'ours' },
    { name: 'our peer id lower: its dial survives, ours is closed', peerId: LOWER_THAN_LIBTORRENT, survivor: 'theirs' },
  ] as const;

  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const events: TorrentEvent[] = [];
      const piecesSent = new Map<string, number>();
      const conditions = new Conditions();
      const changed = (): void => conditions.changed();
      const until = (what: () => boolean): Promise<void> => conditions.until(what);
      /** Connections from libtorrent's IP: connected ones, and those closed after connecting, in order. */
      const fromLt = (): { connected: string[]; closed: string[]; open: string[] } => {
        const connected: string[] = [];
        const closed: string[] = [];
        const open = new Set<string>();
        for (const e of events) {
          if ((e.type !== 'peerConnected' && e.type !== 'peerClosed') || !e.id.startsWith(`${LT_IP}:`)) continue;
          if (e.type === 'peerConnected') {
            connected.push(e.id);
            open.add(e.id);
          } else if (open.delete(e.id)) closed.push(e.id);
        }
        return { connected, closed, open: [...open] };
      };

      // we dial from another address than we listen on: libtorrent learns our listen port from our
      // extended handshake (BEP 10 `p`) and would not dial an address it is connected to; here that
      // is 127.0.0.4, so it still dials 127.0.0.1, as a peer that knows us under two addresses does
      const started = await Session.start({ host: '127.0.0.1', localAddress: OUR_DIALS_FROM, port: 0, ...(c.peerId !== undefined ? { peerId: c.peerId } : {}) });
      if (E.isLeft(started)) throw new Error(started.left);
      session = started.right;
      expect(new TextDecoder().decode(session.peerId.subarray(0, 8))).toBe(c.peerId === undefined ? PEER_ID_PREFIX : '-AA0001-');
      // libtorrent dials us 3 s after its check; we dial it as soon as we know its port
      const empty = join(dir, `leech-${i}`);
      await mkdir(empty, { recursive: true });
      leecher = await startLibtorrentSwarmPeer(torrentPath, empty, { ip: LT_IP, leech: true, downloadRate: 16_384, connect: `127.0.0.1:${session.port}`, connectDelayS: 3 });
      const ours = `${LT_IP}:${leecher.port}`;
      const added = await session.add({
        metainfo,
        downloadDir: join(dir, 'original'),
        skipCheck: true,
        useTrackers: false,
        peers: [{ ip: LT_IP, port: leecher.port }],
        onWire: (id, direction, message) => {
          if (direction === 'out' && message.type === 'piece') piecesSent.set(id, (piecesSent.get(id) ?? 0) + 1);
          changed();
        },
      });
      if (E.isLeft(added)) throw new Error(added.left);
      added.right.events$.subscribe((e) => {
        events.push(e);
        changed();
      });
      await until(() => fromLt().connected.includes(ours));
      await until(() => fromLt().connected.length >= 2 && fromLt().closed.length >= 1);

      const theirs = fromLt().connected.find((id) => id !== ours)!;
      const [survivor, closed] = c.survivor === 'ours' ? [ours, theirs] : [theirs, ours];
      expect(fromLt().closed[0]).toBe(closed);
      // libtorrent closed it (see above); had we recognised it first, we would say why
      const reason = (events.find((e) => e.type === 'peerClosed' && e.id === closed) as { reason: string }).reason;
      expect(reason).toMatch(/^(peer reset the connection \(ECONNRESET\)|peer closed the connection|duplicate connection to peer 2d4c54[0-9a-f]{10}… \(kept 127\.0\.0\.3:\d+\))$/);

      // the survivor stays and carries the upload (libtorrent asks for a block every few seconds)
      const sentBefore = piecesSent.get(survivor) ?? 0;
      await until(() => (piecesSent.get(survivor) ?? 0) > sentBefore);
      // libtorrent dials an address again after closing its own dial there as a duplicate, and
      // closes that one too (QUIRKS.md): one connection stays open throughout, never none
      await until(() => fromLt().open.length === 1);
      expect(fromLt().open).toEqual([survivor]);
      expect(fromLt().closed).not.toContain(survivor);
      expect(events.filter((e) => e.type === 'banned')).toEqual([]);
    });
  }
});
