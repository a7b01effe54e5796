import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeExtendedHandshake, encodeUtPex, OUR_EXTENSION_IDS, UT_PEX } from '../../src/extensions/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { TorrentInspection } from '../../src/session/torrentInspection.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { rawPeer, type RawPeer } from '../magnet/rawExtensionPeer.js';
import { seedingSession, smallSeedForSuite } from '../support/smallSeed.js';

/**
 * A peer learned through ut_pex (BEP 11) and then dialled is reported as found through PEX in
 * `peerConnected`, not as a tracker peer: a scripted peer tells a statorrent seeder about a
 * second scripted peer listening on 127.0.0.42; statorrent dials it.
 */
describe('source of a peer dialled from PEX', () => {
  let dir: string;
  let metainfo: Metainfo;

  smallSeedForSuite('st-pex-source-', (seed) => ({ dir, metainfo } = seed));

  it("peerConnected says source 'pex' for the address a ut_pex message named", async () => {
    const named: RawPeer[] = [];
    const server: Server = createServer((socket) => named.push(rawPeer(socket, metainfo.infoHash, peerId('-SC0001-pex-named-01'), false)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.42', resolve));
    const namedPort = (server.address() as AddressInfo).port;
    const { session, torrent } = await seedingSession(metainfo, dir);
    try {
      const events: TorrentEvent[] = [];
      const namedId = `127.0.0.42:${namedPort}`;
      const dialled = new Promise<TorrentEvent>((resolve) =>
        torrent.events$.subscribe((e) => {
          events.push(e);
          if (e.type === 'peerConnected' && e.id === namedId) resolve(e);
        }),
      );
      await torrent.completed;
      const teller = rawPeer(connect({ host: '127.0.0.1', port: session.port, localAddress: '127.0.0.41' }), metainfo.infoHash, peerId('-SC0001-pex-teller-1'), true);
      await teller.handshake;
      teller.send({ type: 'extended', extendedId: 0, payload: encodeExtendedHandshake({ m: { ut_pex: 7 } }) });
      teller.send({ type: 'extended', extendedId: OUR_EXTENSION_IDS[UT_PEX], payload: encodeUtPex({ added: [{ ip: '127.0.0.42', port: namedPort, flags: 0 }], dropped: [] }) });
      expect(await dialled).toEqual(expect.objectContaining({ type: 'peerConnected', id: namedId, source: 'pex' }));
      // the inspector's peer table says so too (it said 'tracker' for every peer we dialled)
      const inspection = (torrent as { inspection?: TorrentInspection }).inspection;
      expect(inspection?.snapshot().peers.find((p) => p.id === namedId)).toEqual(expect.objectContaining({ source: 'pex', outgoing: true }));
      // the teller itself dialled us: reported as incoming
      expect(events.find((e) => e.type === 'peerConnected' && e.id.startsWith('127.0.0.41:'))).toEqual(expect.objectContaining({ source: 'incoming' }));
      teller.close();
    } finally {
      await session.close();
      for (const p of named) p.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

const peerId = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
