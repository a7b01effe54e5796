import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeExtendedHandshake, encodeUtPex, OUR_EXTENSION_IDS, UT_PEX } from '../../src/extensions/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { rawPeer, type RawPeer } from '../magnet/rawExtensionPeer.js';
import { seedingSession, smallSeedForSuite } from '../support/smallSeed.js';

const listening = async (ip: string, accepted: Socket[]): Promise<{ server: Server; port: number }> => {
  const server = createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return { server, port: (server.address() as AddressInfo).port };
};

/**
 * A peer that dialled us says in its extended handshake where it listens (BEP 10 `p`); when
 * that address reaches the pool too (here by ut_pex, as libtorrent's PEX names every peer), we
 * do not dial it: the second connection would only be a duplicate the peer closes, dialled
 * again after every back-off (the churn seen with libtorrent, which sends a fresh peer id on
 * each connection so our duplicate rule cannot pair them).
 */
describe("a connected peer's listen address", () => {
  let dir: string;
  let metainfo: Metainfo;

  smallSeedForSuite('st-listen-hold-', (seed) => ({ dir, metainfo } = seed));

  it('is not dialled while its connection runs; another address named beside it is', async () => {
    const atTeller: Socket[] = [];
    const atOther: RawPeer[] = [];
    const teller = await listening('127.0.0.43', atTeller);
    const other = createServer((socket) => atOther.push(rawPeer(socket, metainfo.infoHash, peerId('-SC0001-listen-othr1'), false)));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.44', resolve));
    const otherPort = (other.address() as AddressInfo).port;
    const { session, torrent } = await seedingSession(metainfo, dir);
    try {
      const otherId = `127.0.0.44:${otherPort}`;
      const events: TorrentEvent[] = [];
      const otherConnected = new Promise<void>((resolve) =>
        torrent.events$.subscribe((e) => {
          events.push(e);
          if (e.type === 'peerConnected' && e.id === otherId) resolve();
        }),
      );
      await torrent.completed;
      const conn = rawPeer(connect({ host: '127.0.0.1', port: session.port, localAddress: '127.0.0.43' }), metainfo.infoHash, peerId('-SC0001-listen-tellr'), true);
      await conn.handshake;
      conn.send({ type: 'extended', extendedId: 0, payload: encodeExtendedHandshake({ m: { ut_pex: 7 }, p: teller.port }) });
      // its own listen address first: without the hold it would be dialled first
      const named = [
        { ip: '127.0.0.43', port: teller.port, flags: 0 },
        { ip: '127.0.0.44', port: otherPort, flags: 0 },
      ];
      conn.send({ type: 'extended', extendedId: OUR_EXTENSION_IDS[UT_PEX], payload: encodeUtPex({ added: named, dropped: [] }) });
      await otherConnected;
      // both dials go out in one dialler step, in the order named: the other's handshake has
      // come back, so a dial to the teller's address would have been accepted by now
      expect(atTeller).toEqual([]);
      expect(events.filter((e) => e.type === 'peerConnected').map((e) => (e as { id: string }).id)).toEqual([expect.stringMatching(/^127\.0\.0\.43:/), otherId]);
      conn.close();
    } finally {
      await session.close();
      for (const p of atOther) p.close();
      for (const s of atTeller) s.destroy();
      await new Promise<void>((resolve) => other.close(() => resolve()));
      await new Promise<void>((resolve) => teller.server.close(() => resolve()));
    }
  });
});

const peerId = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
